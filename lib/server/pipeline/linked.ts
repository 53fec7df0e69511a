/**
 * Subscribing to a source on behalf of a downstream subscriber, linked to it before the first
 * value, as RxJS's own operators do: unsubscribing downstream stops even a synchronous source.
 *
 * @module
 */
import type { Observable, Observer, Subscription } from 'rxjs';
import { Subscriber } from '#rx';

/**
 * A subscriber for `observer` to pass to `source.subscribe`, held before the subscription
 * starts: unsubscribing it stops the source at once, even from inside a synchronous emission
 * (the subscription `subscribe` returns would only exist once that emission is over).
 *
 * @example
 * ```ts
 * import { range } from 'rxjs';
 *
 * const subscriber = stoppableSubscriber<number>({ next: (n) => n > 2 && subscriber.unsubscribe(), error: () => {}, complete: () => {} });
 * range(0, 1e6).subscribe(subscriber); // reads 4 values
 * ```
 */
export const stoppableSubscriber = <A>(observer: Observer<A>): Subscriber<A> =>
  // The constructor is the one RxJS's operators build on; given a full observer it calls it as is.
  new Subscriber<A>(observer);

/**
 * The subscriber {@link subscribeLinked} subscribes, for a caller that must hold it before the
 * source runs (to let go of the source alone from inside a synchronous emission).
 */
export const linkedSubscriber = <A>(downstream: Subscriber<unknown>, observer: Observer<A>): Subscriber<A> => {
  const inner = stoppableSubscriber(observer);
  downstream.add(inner);
  return inner;
};

/**
 * Subscribes `observer` to `source`, its subscription owned by `downstream`: when `downstream`
 * closes, the source sees its subscriber closed at once (a synchronous loop stops). Returns the
 * source's subscription, to let go of the source alone (it stops at once too).
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
): Subscription => {
  const inner = linkedSubscriber(downstream, observer);
  source.subscribe(inner);
  return inner;
};
