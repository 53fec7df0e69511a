/**
 * A Web `ReadableStream` body read into the body events of a transport: what the fetch-based
 * transports (axios's fetch adapter, the Web `fetch` itself) share.
 *
 * @module
 */
import type { Subscriber } from 'rxjs';
import type { ResponseEvent } from './transport.js';

/**
 * Reads one exchange's body into its subscriber, and tells its teardown what is left to abort.
 *
 * @example
 * ```ts
 * const transport: Transport = (request) =>
 *   new Observable<ResponseEvent>((subscriber) => {
 *     const reader = bodyReader(subscriber);
 *     const controller = new AbortController();
 *     fetch(request.url, { method: 'POST', body: request.body, signal: controller.signal })
 *       .then((response) => {
 *         subscriber.next({ type: 'head', status: response.status, headers: {} });
 *         return reader.read(response.body);
 *       })
 *       .catch((e: unknown) => subscriber.error(e));
 *     return () => reader.cancel(controller);
 *   });
 * ```
 */
export interface BodyReader {
  /** Emits each non-empty piece as a body event, then completes; a missing body completes at once. */
  readonly read: (body: ReadableStream<Uint8Array> | null | undefined) => Promise<void>;
  /** Marks the exchange settled (an error answered, say): the teardown then aborts nothing. */
  readonly settle: () => void;
  /** The teardown: unless the exchange settled, aborts the request and cancels the body. */
  readonly cancel: (controller: AbortController) => void;
}

/**
 * A {@link BodyReader} for `subscriber`.
 *
 * @example
 * ```ts
 * new Observable<ResponseEvent>((subscriber) => {
 *   const reader = bodyReader(subscriber);
 *   void reader.read(new Response('Hello').body);
 * }).subscribe((event) => console.log(event.type)); // 'body'
 * ```
 */
export const bodyReader = (subscriber: Subscriber<ResponseEvent>): BodyReader => {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let settled = false;
  return {
    read: async (body) => {
      if (body === null || body === undefined || typeof body.getReader !== 'function') {
        settled = true;
        subscriber.complete();
        return;
      }
      reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (subscriber.closed) return;
        if (done) {
          settled = true;
          subscriber.complete();
          return;
        }
        if (value.byteLength > 0) subscriber.next({ type: 'body', data: value });
      }
    },
    settle: () => {
      settled = true;
    },
    cancel: (controller) => {
      if (settled) return;
      controller.abort();
      reader?.cancel().catch(() => undefined);
    },
  };
};
