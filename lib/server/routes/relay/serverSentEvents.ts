/**
 * Chunks as Server-Sent Events in the relay's wire format (`core/relayProtocol.ts`): one event
 * per chunk, a failure as the last event, `error`, with what a client may see of it, and a
 * `: keep-alive` comment while the source is silent.
 *
 * @module
 */
import type { OperatorFunction, SchedulerLike } from 'rxjs';
import { catchError, map, of, pipe } from '#rx';
import type { Chunk } from '../../../core/chunk.js';
import { encodeChunk, encodeErrorEvent } from '../../../core/relayProtocol.js';
import { keepAlive } from '../../pipeline/keepAlive.js';
import { clientError } from '../../pipeline/safeError.js';

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
  readonly keepAliveMs?: number | undefined;
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * Chunks as SSE text: one string per event, `k` a keep-alive comment after each
 * `keepAliveMs` of silence; an error becomes the `error` event (its kind and fields with a
 * message of the server's own: never a foreign error's text, host names or control characters)
 * and the stream completes, so the response can end. Unsubscribing unsubscribes the source,
 * at once even when it is synchronous.
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
 * import { concat, of, throwError, toArray } from 'rxjs';
 *
 * concat(of(text('Hi')), throwError(() => new YqcloudError('Http', 'busy', { status: 503, body: '' })))
 *   .pipe(toServerSentEvents(), toArray())
 *   .subscribe(console.log); // ['event: text\ndata: {"text":"Hi"}\n\n', 'event: error\ndata: {"name":"YqcloudError",…}\n\n']
 * ```
 */
export const toServerSentEvents = (options: ServerSentEventsOptions = {}): OperatorFunction<Chunk, string> =>
  pipe(
    map((chunk: Chunk) => encodeChunk(chunk)),
    catchError((e: unknown) => of(encodeErrorEvent(clientError(e)))),
    keepAlive({ intervalMs: options.keepAliveMs, scheduler: options.scheduler }),
  );
