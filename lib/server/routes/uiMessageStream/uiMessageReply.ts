/**
 * The UI message stream route's encoder: a reply's chunks as the AI SDK's UI message stream. The
 * head (200, event stream) and `start` go out at once, so the client's `Chat` shows the
 * assistant message while the service thinks; a failure is an `error` chunk (the text before it
 * stays in the message), then `data: [DONE]`, as the AI SDK's own servers answer.
 *
 * @module
 */
import { Observable } from '#rx';
import type { Chunk, YqcloudError } from '../../../index.js';
import { networkError } from '../../../core/error.js';
import { subscribeLinked } from '../../pipeline/linked.js';
import { eventStreamHeaders, type ReplyPart } from '../../pipeline/reply.js';
import {
  uiChunksOf,
  uiErrorChunks,
  uiMessageEvent,
  uiMessageStart,
  uiMessageStreamDone,
  uiMessageStreamHeaders,
  uiStartChunk,
  type UIMessageChunk,
  type UIMessageState,
} from './uiMessageChunks.js';

/**
 * How one reply is answered.
 */
export interface UIMessageReplyOptions {
  /** The assistant message's id (`start`'s `messageId`). */
  readonly messageId: string;
  /** Headers for the answer (CORS's). */
  readonly headers: Readonly<Record<string, string>>;
  /** The client's view of a failure. */
  readonly clientError: (e: unknown) => YqcloudError;
}

const events = (chunks: ReadonlyArray<UIMessageChunk>): string => chunks.map(uiMessageEvent).join('');

/**
 * The answer to one chat request, as reply parts; unsubscribing unsubscribes the chunks (and so
 * aborts the request to the service).
 */
export const uiMessageReply = (chunks: Observable<Chunk>, options: UIMessageReplyOptions): Observable<ReplyPart> =>
  new Observable<ReplyPart>((subscriber) => {
    let state: UIMessageState = uiMessageStart;
    let finished = false;
    const data = (text: string): void => subscriber.next({ type: 'data', text });
    const fail = (e: unknown): void => {
      const error = options.clientError(e);
      data(events(uiErrorChunks(state, `${error.kind}: ${error.message}`)) + uiMessageStreamDone);
      subscriber.complete();
    };
    subscriber.next({
      type: 'head',
      status: 200,
      headers: { ...options.headers, ...eventStreamHeaders, ...uiMessageStreamHeaders },
    });
    data(uiMessageEvent(uiStartChunk(options.messageId)));
    subscribeLinked(chunks, subscriber, {
      next: (chunk) => {
        if (chunk.type === 'finish') finished = true;
        const [next, parts] = uiChunksOf(state, chunk);
        state = next;
        if (parts.length > 0) data(events(parts));
      },
      error: fail,
      complete: () => {
        if (!finished) return fail(networkError('EPROVIDER', 'the reply ended before it finished'));
        data(uiMessageStreamDone);
        subscriber.complete();
      },
    });
  });
