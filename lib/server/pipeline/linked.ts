/**
 * Subscribing to a source on behalf of a downstream subscriber, linked to it before the first
 * value, as RxJS's own operators do: unsubscribing downstream stops even a synchronous source.
 *
 * @module
 */
import type { Observable, Observer } from 'rxjs';
import { Subscriber } from '#rx';

/**
 * Subscribes `observer` to `source`, its subscription owned by `downstream`: when `downstream`
 * closes, the source sees its subscriber closed at once (a synchronous loop stops).
 *
 * @example
 * ```ts
 * import { range } from 'rxjs';
 *
 * new Observable<number>((subscriber) => {
 *   subscribeLinked<number>(range(0, 1e6), subscriber, { next: (n) => subscriber.next(n * 2), error: (e) => subscriber.error(e), complete: () => subscriber.complete() });
 * }).pipe(take(3)); // reads 3 values of the range, not a million
 * ```
 */
export const subscribeLinked = <A>(
  source: Observable<A>,
  downstream: Subscriber<unknown>,
  observer: Observer<A>,
): void => {
  // The constructor is the one RxJS's operators build on; given a full observer it calls it as is.
  const inner = new Subscriber<A>(observer);
  downstream.add(inner);
  source.subscribe(inner);
};
