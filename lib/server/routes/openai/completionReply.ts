/**
 * The OpenAI route's encoder: a reply's chunks as OpenAI's answer. The status is decided by
 * the first text: until it arrives nothing is sent, so a failure before any text (a 503 or a ban
 * from the service, a bad model) is a real HTTP error that OpenAI clients raise and retry; after
 * text has streamed, a failure is one `data: {"error": …}` event and the stream ends without
 * `[DONE]`. A stream keeps no copy of the text; a whole `chat.completion` (`stream: false`)
 * keeps at most `maxReplyBytes` of it, past which the answer is `ResponseTooLarge` (502). With
 * `usage`, the text's tokens are counted as it passes (nothing more is kept): in the
 * `chat.completion`, or in a last chunk with no choice before `[DONE]`.
 *
 * @module
 */
import { Observable } from '#rx';
import { networkError, responseTooLarge } from '../../../core/error.js';
import type { Chunk } from '../../../core/chunk.js';
import { createOperatorSubscriber } from '../../../operators/operatorSubscriber.js';
import { unsubscribeFailed } from '../../../operators/failedUnsubscription.js';
import { eventStreamHeaders, jsonHeaders, type ReplyPart } from '../../pipeline/reply.js';
import type { YqcloudError } from '../../../index.js';
import {
  chatCompletion,
  contentChunk,
  doneEvent,
  firstChunk,
  sseData,
  stopChunk,
  type CompletionMeta,
  type FinishReason,
} from './completion.js';
import { limitEnd, limitStart, limitText, type LimitState, type ReplyLimit } from './replyLimit.js';
import { openaiErrorBody, openaiErrorOf } from './openaiError.js';
import {
  addText,
  emptyTextCount,
  textTokens,
  usageChunk,
  usageOf,
  type TextCount,
  type TokenCounter,
} from './usage.js';

/**
 * How one completion is answered.
 *
 * @example
 * ```ts
 * const options: CompletionReplyOptions = {
 *   stream: true,
 *   meta: { id: 'chatcmpl-1', created: 1764614400, model: 'gpt-4' },
 *   headers: {},
 *   maxReplyBytes: 16 * 1024 * 1024,
 *   clientError: (e) => clientError(e),
 * };
 * ```
 */
export interface CompletionReplyOptions {
  readonly stream: boolean;
  readonly meta: CompletionMeta;
  /** Headers for the answer (CORS's). */
  readonly headers: Readonly<Record<string, string>>;
  /** The most UTF-8 bytes of text a whole `chat.completion` holds. */
  readonly maxReplyBytes: number;
  /** The client's view of a failure. */
  readonly clientError: (e: unknown) => YqcloudError;
  /**
   * Count usage (a whole `chat.completion` always has it; a stream only asked with
   * `stream_options.include_usage`, as a last chunk with no choice): the counter and the prompt's tokens.
   */
  readonly usage?: { readonly counter: TokenCounter; readonly promptTokens: number } | undefined;
  /** Where the reply is cut (`stop`, `max_tokens`); default: nowhere. */
  readonly limit?: ReplyLimit | undefined;
}

const noLimit: ReplyLimit = { stop: [], maxTokens: undefined, counter: undefined };

/**
 * The answer to one completion, as reply parts; unsubscribing unsubscribes the chunks (and so
 * aborts the request to the service), at once even for a synchronous source.
 *
 * @example
 * ```ts
 * const meta = { id: 'chatcmpl-1', created: 1764614400, model: 'gpt-4' };
 * completionReply(of(text('Hi'), finish), { stream: false, meta, headers: {}, maxReplyBytes: 1024, clientError });
 * // head 200, body '{"id":"chatcmpl-1","object":"chat.completion",…"content":"Hi"…}'
 * ```
 */
export const completionReply = (chunks: Observable<Chunk>, options: CompletionReplyOptions): Observable<ReplyPart> =>
  new Observable<ReplyPart>((subscriber) => {
    const { meta, stream, headers } = options;
    let started = false;
    let finished = false;
    const kept: Array<string> = [];
    let keptBytes = 0;
    let counted: TextCount = emptyTextCount;
    const usage = options.usage;
    const head = (status: number, extra: Readonly<Record<string, string>>, body?: string): void =>
      subscriber.next({
        type: 'head',
        status,
        headers: { ...headers, ...extra },
        ...(body === undefined ? {} : { body }),
      });
    const data = (text: string): void => subscriber.next({ type: 'data', text });
    const startStream = (first: string): void => {
      started = true;
      head(200, eventStreamHeaders);
      data(sseData(firstChunk(meta, first)));
    };
    const fail = (e: unknown): void => {
      const error = options.clientError(e);
      if (started) data(sseData(openaiErrorBody(error)));
      else {
        const answer = openaiErrorOf(error);
        head(answer.status, { ...answer.headers, ...jsonHeaders }, JSON.stringify(answer.body));
      }
      subscriber.complete();
    };
    const limit = options.limit ?? noLimit;
    let limited: LimitState = limitStart;
    /** Sends (or keeps) the text; `false` when the reply failed instead. */
    const send = (text: string): boolean => {
      if (text === '') return true;
      if (usage !== undefined) counted = addText(usage.counter, counted, text);
      if (stream) {
        if (started) data(sseData(contentChunk(meta, text)));
        else startStream(text);
        return true;
      }
      keptBytes += Buffer.byteLength(text, 'utf8');
      if (keptBytes > options.maxReplyBytes) {
        kept.length = 0;
        const error = responseTooLarge(options.maxReplyBytes);
        // The reply failed: its watchers record ResponseTooLarge, not a cancellation.
        unsubscribeFailed(upstream, error);
        fail(error);
        return false;
      }
      kept.push(text);
      return true;
    };
    /** The answer's end; completing unsubscribes the chunks (a reply cut short aborts its request). */
    const end = (reason: FinishReason): void => {
      const total = usage === undefined ? undefined : usageOf(usage.promptTokens, textTokens(usage.counter, counted));
      if (!stream) {
        head(200, jsonHeaders, JSON.stringify(chatCompletion(meta, kept.join(''), total, reason)));
        subscriber.complete();
        return;
      }
      if (!started) startStream('');
      const last = total === undefined ? '' : sseData(usageChunk(meta, total));
      data(`${sseData(stopChunk(meta, reason))}${last}${doneEvent}`);
      subscriber.complete();
    };
    const upstream = createOperatorSubscriber<Chunk>(subscriber, {
      next: (chunk) => {
        if (chunk.type === 'finish') finished = true;
        if (chunk.type !== 'text') return;
        const step = limitText(limit, limited, chunk.text);
        limited = step.state;
        if (send(step.text) && step.end !== undefined) end(step.end);
      },
      error: fail,
      complete: () => {
        if (!finished) return fail(networkError('EPROVIDER', 'the reply ended before it finished'));
        const last = limitEnd(limit, limited);
        if (send(last.text)) end(last.end ?? 'stop');
      },
    });
    chunks.subscribe(upstream);
  });
