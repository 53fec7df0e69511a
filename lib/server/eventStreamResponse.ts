/**
 * Makes a Web `Response` of an observable of SSE text.
 *
 * @module
 */
import type { Observable, Subscription } from 'rxjs';
import { defaultMaxBufferedBytes, eventStreamHeaders, type EventStreamOptions } from './eventStreamHeaders.js';

/**
 * A `200` event-stream `Response` whose body is `events`, encoded as UTF-8. The body stream
 * queues at most `maxBufferedBytes` the server has not taken yet; past that the source is
 * unsubscribed and the body errors (the server then cuts the answer off). Cancelling the body
 * (the client left) or aborting `options.signal` unsubscribes, and so aborts the request to the
 * service.
 *
 * @example
 * ```ts
 * export const GET = (): Response => eventStreamResponse(provider.create({ messages }).pipe(toServerSentEvents()));
 * ```
 */
export const eventStreamResponse = (events: Observable<string>, options: EventStreamOptions = {}): Response => {
  const budget = options.maxBufferedBytes ?? defaultMaxBufferedBytes;
  const signal = options.signal;
  const encoder = new TextEncoder();
  let subscription: Subscription | undefined;
  let finished = false;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        subscription = events.subscribe({
          next: (event) => {
            if (finished) return;
            controller.enqueue(encoder.encode(event));
            if ((controller.desiredSize ?? 0) < 0) {
              finished = true;
              subscription?.unsubscribe();
              controller.error(new Error(`the client read too slowly: over ${budget} bytes waited unsent`));
            }
          },
          error: (e: unknown) => {
            finished = true;
            controller.error(e);
          },
          complete: () => {
            finished = true;
            controller.close();
          },
        });
        if (finished) subscription.unsubscribe();
        else if (signal !== undefined) {
          const onAbort = (): void => {
            if (finished) return;
            finished = true;
            subscription?.unsubscribe();
            controller.error(new Error('the client left'));
          };
          if (signal.aborted) onAbort();
          else {
            signal.addEventListener('abort', onAbort, { once: true });
            subscription.add(() => signal.removeEventListener('abort', onAbort));
          }
        }
      },
      cancel() {
        finished = true;
        subscription?.unsubscribe();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: budget }),
  );
  return new Response(body, { status: 200, headers: { ...options.headers, ...eventStreamHeaders } });
};
