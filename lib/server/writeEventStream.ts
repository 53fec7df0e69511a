/**
 * Writes an observable of SSE text to a `node:http` response.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { Observable, Subscription } from 'rxjs';
import { defaultMaxBufferedBytes, eventStreamHeaders, type EventStreamOptions } from './eventStreamHeaders.js';

/**
 * Answers `200` with the event-stream headers, writes each string as it comes and ends the
 * response when `events` completes. An observable cannot be paused, so backpressure is a
 * budget: when a client reads slower than the source sends, what `res` buffers grows; past
 * `maxBufferedBytes` the source is unsubscribed and the response destroyed. The client leaving
 * (`res` closing) unsubscribes too, and so aborts the request to the service.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   writeEventStream(res, provider.create({ messages }).pipe(toServerSentEvents()));
 * });
 * ```
 */
export const writeEventStream = (
  res: ServerResponse,
  events: Observable<string>,
  options: EventStreamOptions = {},
): Subscription | undefined => {
  if (res.destroyed || res.writableEnded) return undefined;
  const budget = options.maxBufferedBytes ?? defaultMaxBufferedBytes;
  res.writeHead(200, { ...options.headers, ...eventStreamHeaders });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  let subscription: Subscription | undefined;
  let over = false;
  const cut = (): void => {
    over = true;
    subscription?.unsubscribe();
    res.destroy();
  };
  const onClose = (): void => subscription?.unsubscribe();
  subscription = events.subscribe({
    next: (event) => {
      if (over || res.destroyed) return;
      res.write(event);
      if (res.writableLength > budget) cut();
    },
    error: () => res.destroy(),
    complete: () => {
      res.off('close', onClose);
      if (!res.destroyed) res.end();
    },
  });
  if (over) subscription.unsubscribe();
  else if (!subscription.closed) res.once('close', onClose);
  return subscription;
};
