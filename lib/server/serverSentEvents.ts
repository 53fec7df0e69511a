/**
 * Chunks as Server-Sent Events, in the relay's wire format: one event per chunk (`text`,
 * `conversation`, `finish`), an `error` event carrying the serialised `YqcloudError`, and a
 * `: keep-alive` comment while the source is silent. `data` is always one line of JSON.
 *
 * @module
 */
import { catchError, map, of, pipe, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Chunk } from '../core/chunk.js';
import { toJson } from '../core/conversation.js';
import { YqcloudError } from '../core/error.js';
import { keepAlive } from './keepAlive.js';

/**
 * One SSE event: `event: <name>\ndata: <one line of JSON>\n\n`.
 *
 * @example
 * ```ts
 * sseEvent('text', { text: 'Hi' }); // 'event: text\ndata: {"text":"Hi"}\n\n'
 * ```
 */
export const sseEvent = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * A chunk as its SSE event.
 *
 * @example
 * ```ts
 * encodeChunk(text('你好')); // 'event: text\ndata: {"text":"你好"}\n\n'
 * encodeChunk(finish);      // 'event: finish\ndata: {"reason":"stop"}\n\n'
 * ```
 */
export const encodeChunk = (chunk: Chunk): string => {
  switch (chunk.type) {
    case 'text':
      return sseEvent('text', { text: chunk.text });
    case 'conversation':
      return sseEvent('conversation', toJson(chunk.conversation));
    case 'finish':
      return sseEvent('finish', { reason: chunk.reason });
  }
};

/**
 * A failure as the `error` event: a `YqcloudError`'s `toJSON()` (no secret, `cause` reduced to
 * its name and message); anything else as a `Network` error (code `ERELAY`) that says only that
 * the relay failed. The client sets `partialText` to what it delivered itself.
 *
 * @example
 * ```ts
 * encodeError(httpError(503, 'busy')); // 'event: error\ndata: {"name":"YqcloudError","kind":"Http",…}\n\n'
 * ```
 */
export const encodeError = (error: unknown): string =>
  sseEvent(
    'error',
    error instanceof YqcloudError
      ? error.toJSON()
      : new YqcloudError('Network', 'the relay failed while streaming', { code: 'ERELAY' }).toJSON(),
  );

/**
 * How {@link toServerSentEvents} keeps the connection alive.
 *
 * @example
 * ```ts
 * const options: ServerSentEventsOptions = { keepAliveMs: 10_000 };
 * ```
 */
export interface ServerSentEventsOptions {
  /** Milliseconds of silence before each keep-alive comment (default 15 000; `0`: none). */
  readonly keepAliveMs?: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Chunks as SSE text: one string per event, `k` a keep-alive comment after each
 * `keepAliveMs` of silence ({@link keepAlive}); an error becomes the `error` event and the
 * stream completes (so the response can end). Unsubscribing unsubscribes the source.
 *
 * ```
 * source: -a 20ms -----b-F|          keepAliveMs: 10
 * result: -a 9ms k 9ms k-b-F|        a, b = text events, F = finish event
 * source: -a-#                       # = YqcloudError
 * result: -a-(e|)                    e = error event
 * ```
 *
 * @example
 * ```ts
 * provider.create({ messages }).pipe(toServerSentEvents({ keepAliveMs: 15_000 })).subscribe((event) => res.write(event));
 * ```
 */
export const toServerSentEvents = (options: ServerSentEventsOptions = {}): OperatorFunction<Chunk, string> =>
  pipe(
    map(encodeChunk),
    catchError((e: unknown) => of(encodeError(e))),
    keepAlive({
      ...(options.keepAliveMs === undefined ? {} : { intervalMs: options.keepAliveMs }),
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
    }),
  );
