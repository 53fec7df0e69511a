/**
 * The headers of a Server-Sent Events answer, and the default byte budget of one answer.
 *
 * @module
 */

/**
 * `content-type: text/event-stream`, and what proxies need to pass a stream through unbuffered
 * and untransformed (`cache-control: no-cache, no-transform`, nginx's `x-accel-buffering: no`).
 *
 * @example
 * ```ts
 * res.writeHead(200, { ...eventStreamHeaders });
 * ```
 */
export const eventStreamHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
});

/**
 * How many bytes of one answer may wait for a client that does not read: 1 MiB.
 *
 * @example
 * ```ts
 * writeEventStream(res, events, { maxBufferedBytes: defaultMaxBufferedBytes / 4 });
 * ```
 */
export const defaultMaxBufferedBytes = 1024 * 1024;

/**
 * How an event stream is answered.
 *
 * @example
 * ```ts
 * const options: EventStreamOptions = { maxBufferedBytes: 256 * 1024, headers: { 'access-control-allow-origin': origin } };
 * ```
 */
export interface EventStreamOptions {
  /**
   * Bytes that may wait unsent (default 1 MiB, {@link defaultMaxBufferedBytes}). A client that
   * stops reading makes them pile up; past the budget the source is unsubscribed (which aborts
   * the request to the service) and the answer is cut off.
   */
  readonly maxBufferedBytes?: number;
  /** Extra headers (CORS's, say); the event-stream headers win over them. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * For {@link eventStreamResponse}: aborting it unsubscribes, as cancelling the body does (pass
   * the `Request`'s signal: Next.js and undici-based servers abort it when the client leaves).
   */
  readonly signal?: AbortSignal;
}
