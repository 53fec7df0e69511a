/**
 * One chat completion: the provider's chunks written to an answer as OpenAI's objects, the same
 * for `node:http` and for a Web `Response` (each gives a {@link CompletionSink}).
 *
 * The status is decided by the first chunk: until text arrives nothing is sent, so a failure
 * before any text (a 503 or a ban from the service, a bad model) is a real HTTP error that
 * OpenAI clients raise and retry; after text has streamed, a failure is one `data: {"error": …}`
 * event and the stream ends without `[DONE]`.
 *
 * @module
 */
import { asyncScheduler, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { YqcloudError, type Chunk } from '../../index.js';
import { defaultKeepAliveMs, keepAliveComment } from '../keepAlive.js';
import {
  chatCompletion,
  contentChunk,
  doneEvent,
  firstChunk,
  sseData,
  stopChunk,
  type CompletionMeta,
} from './completion.js';
import { openaiErrorBody, openaiErrorOf } from './openaiError.js';

/**
 * Where a completion is written: a status and headers once, then text.
 *
 * @example
 * ```ts
 * const written: Array<string> = [];
 * const sink: CompletionSink = {
 *   start: (status, _headers, body) => void written.push(`${status} ${body ?? ''}`),
 *   write: (text) => void written.push(text),
 *   end: (text) => void written.push(text),
 * };
 * ```
 */
export interface CompletionSink {
  /** Starts the answer; with `body`, the answer is complete. Called once. */
  readonly start: (status: number, headers: Readonly<Record<string, string>>, body?: string) => void;
  /** More of a started stream. */
  readonly write: (text: string) => void;
  /** The last of a started stream. */
  readonly end: (text: string) => void;
}

/**
 * How a completion runs.
 *
 * @example
 * ```ts
 * const options: CompletionRunOptions = { stream: true, meta: { id: 'chatcmpl-1', created: 1764614400, model: 'gpt-4' }, keepAliveMs: 15_000 };
 * ```
 */
export interface CompletionRunOptions {
  readonly stream: boolean;
  readonly meta: CompletionMeta;
  /** A `: keep-alive` comment after this long without a write, once streaming (default 15 000; 0: none). */
  readonly keepAliveMs?: number | undefined;
  /** The scheduler of the keep-alive timer (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike | undefined;
  /** Called once when the answer is complete, failed, or unsubscribed. */
  readonly onEnd?: () => void;
}

/**
 * The headers of a streamed completion.
 *
 * @example
 * ```ts
 * streamHeaders['content-type']; // 'text/event-stream; charset=utf-8'
 * ```
 */
export const streamHeaders: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

/**
 * The headers of a JSON answer.
 *
 * @example
 * ```ts
 * jsonHeaders['content-type']; // 'application/json; charset=utf-8'
 * ```
 */
export const jsonHeaders: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
};

const asYqcloudError = (e: unknown): YqcloudError =>
  e instanceof YqcloudError
    ? e
    : new YqcloudError('Network', `the reply failed: ${e instanceof Error ? e.message : String(e)}`, {
        code: 'EPROVIDER',
      });

/**
 * Subscribes to `chunks` and writes the completion to `sink`; unsubscribing (the client left)
 * aborts the provider's request.
 *
 * @example
 * ```ts
 * const sink: CompletionSink = { start: () => {}, write: (text) => console.log(text), end: (text) => console.log(text) };
 * const meta = { id: 'chatcmpl-1', created: 1764614400, model: 'gpt-4' };
 * const run = runCompletion(provider.create({ messages }), sink, { stream: true, meta });
 * run.unsubscribe(); // the client left: the request to the service is aborted
 * ```
 */
export const runCompletion = (
  chunks: Observable<Chunk>,
  sink: CompletionSink,
  options: CompletionRunOptions,
): Subscription => {
  const { meta, stream } = options;
  const keepAliveMs = options.keepAliveMs ?? defaultKeepAliveMs;
  let started = false;
  let text = '';
  let finished = false;
  const scheduler = options.scheduler ?? asyncScheduler;
  let keepAlive: Subscription | undefined;
  let ended = false;

  const end = (): void => {
    keepAlive?.unsubscribe();
    keepAlive = undefined;
    if (ended) return;
    ended = true;
    options.onEnd?.();
  };
  const armKeepAlive = (): void => {
    keepAlive?.unsubscribe();
    if (keepAliveMs > 0 && !ended) keepAlive = scheduler.schedule(() => write(keepAliveComment), keepAliveMs);
  };
  const write = (piece: string): void => {
    sink.write(piece);
    armKeepAlive();
  };
  const startStream = (first: string): void => {
    started = true;
    sink.start(200, streamHeaders);
    write(sseData(firstChunk(meta, first)));
  };

  const fail = (error: YqcloudError): void => {
    end();
    if (started) {
      sink.end(sseData(openaiErrorBody(error)));
      return;
    }
    const answer = openaiErrorOf(error);
    sink.start(answer.status, { ...jsonHeaders, ...answer.headers }, JSON.stringify(answer.body));
  };

  const subscription = chunks.subscribe({
    next: (chunk) => {
      if (chunk.type === 'finish') finished = true;
      if (chunk.type !== 'text') return;
      text += chunk.text;
      if (!stream) return;
      if (started) write(sseData(contentChunk(meta, chunk.text)));
      else startStream(chunk.text);
    },
    error: (e: unknown) => fail(asYqcloudError(e)),
    complete: () => {
      if (!finished) {
        fail(
          new YqcloudError('Network', 'the reply ended before it finished', { code: 'EPROVIDER', partialText: text }),
        );
        return;
      }
      if (stream && !started) startStream('');
      end();
      if (!stream) {
        sink.start(200, jsonHeaders, JSON.stringify(chatCompletion(meta, text)));
        return;
      }
      sink.end(`${sseData(stopChunk(meta))}${doneEvent}`);
    },
  });
  subscription.add(end);
  return subscription;
};
