/**
 * An observable of SSE text (`toServerSentEvents`, `keepAlive`) written as an event stream, for
 * `node:http` and as a Web `Response`: the pipeline's one writer with a head of its own.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { Observable, Subscription } from 'rxjs';
import { concat, map, of } from '#rx';
import { defaultMaxBufferedBytes, eventStreamHeaders, type ReplyPart, webReply, writeNodeReply } from './reply.js';

/**
 * How an event stream is answered.
 *
 * @example
 * ```ts
 * const options: EventStreamOptions = { maxBufferedBytes: 256 * 1024, headers: { vary: 'Origin' } };
 * ```
 */
export interface EventStreamOptions {
  /**
   * Bytes that may wait unsent (default 1 MiB). A client that stops reading makes them pile up;
   * past the budget the source is unsubscribed (which aborts the request to the service) and the
   * answer is cut off.
   */
  readonly maxBufferedBytes?: number | undefined;
  /** Extra headers (CORS's, say); the event-stream headers win over them. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /**
   * For {@link eventStreamResponse}: aborting it unsubscribes, as cancelling the body does (pass
   * the `Request`'s signal: Next.js and undici-based servers abort it when the client leaves).
   */
  readonly signal?: AbortSignal | undefined;
}

const partsOf = (events: Observable<string>, options: EventStreamOptions): Observable<ReplyPart> =>
  concat(
    of<ReplyPart>({ type: 'head', status: 200, headers: { ...options.headers, ...eventStreamHeaders } }),
    events.pipe(map((text): ReplyPart => ({ type: 'data', text }))),
  );

/**
 * Answers `200` with the event-stream headers, writes each string as it comes and ends the
 * response when `events` completes; the client leaving (`res` closing) unsubscribes, and so
 * aborts the request to the service.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 *
 * createServer((req, res) => {
 *   writeEventStream(res, provider.create({ messages }).pipe(toServerSentEvents()));
 * });
 * ```
 */
export const writeEventStream = (
  res: ServerResponse,
  events: Observable<string>,
  options: EventStreamOptions = {},
): Subscription | undefined =>
  writeNodeReply(res, partsOf(events, options), options.maxBufferedBytes ?? defaultMaxBufferedBytes);

/**
 * A `200` event-stream `Response` whose body is `events`, encoded as UTF-8, at most
 * `maxBufferedBytes` of it waiting for the server to take it. Cancelling the body or aborting
 * `options.signal` unsubscribes.
 *
 * @example
 * ```ts
 * export const GET = (): Promise<Response> => eventStreamResponse(provider.create({ messages }).pipe(toServerSentEvents()));
 * ```
 */
export const eventStreamResponse = (events: Observable<string>, options: EventStreamOptions = {}): Promise<Response> =>
  webReply(partsOf(events, options), options.maxBufferedBytes ?? defaultMaxBufferedBytes, options.signal);
