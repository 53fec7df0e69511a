/**
 * Subscribing an operator to its source the way RxJS's own operators do: the source's
 * subscriber is added to the downstream one *before* the source is subscribed, so a downstream
 * that leaves during a synchronous emission (a `take(1)`) closes it at once and a synchronous
 * source stops, instead of being drained to its end.
 *
 * @module
 */
import type { Observer } from 'rxjs';
import { Subscriber } from '#rx';

/**
 * What an operator does with each notification of its source; a missing `error` or `complete`
 * passes it on downstream.
 */
export interface SourceHandlers<T> {
  readonly next: (value: T) => void;
  readonly error?: ((e: unknown) => void) | undefined;
  readonly complete?: (() => void) | undefined;
}

/** RxJS's `OperatorSubscriber`: linked to the downstream at construction; what a handler throws goes downstream as an error. */
class OperatorSubscriber<T> extends Subscriber<T> {
  readonly #downstream: Subscriber<unknown>;
  readonly #handlers: SourceHandlers<T>;

  constructor(downstream: Subscriber<unknown>, handlers: SourceHandlers<T>) {
    // Subscriber's constructor adds `this` to a destination that is a subscription.
    super(downstream);
    this.#downstream = downstream;
    this.#handlers = handlers;
  }

  protected override _next(value: T): void {
    try {
      this.#handlers.next(value);
    } catch (e) {
      this.#downstream.error(e);
    }
  }

  protected override _error(e: unknown): void {
    try {
      if (this.#handlers.error === undefined) this.#downstream.error(e);
      else this.#handlers.error(e);
    } catch (thrown) {
      this.#downstream.error(thrown);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    try {
      if (this.#handlers.complete === undefined) this.#downstream.complete();
      else this.#handlers.complete();
    } catch (thrown) {
      this.#downstream.error(thrown);
    } finally {
      this.unsubscribe();
    }
  }
}

/**
 * A subscriber for an operator's source, already part of `downstream`: pass it to
 * `source.subscribe`, and unsubscribing downstream unsubscribes the source, even from inside a
 * synchronous emission.
 *
 * @example
 * ```ts
 * const double = (source: Observable<number>) =>
 *   new Observable<number>((subscriber) => {
 *     source.subscribe(createOperatorSubscriber(subscriber, { next: (n) => subscriber.next(2 * n) }));
 *   });
 * ```
 */
export const createOperatorSubscriber = <T>(
  downstream: Subscriber<unknown>,
  handlers: SourceHandlers<T>,
): Subscriber<T> => new OperatorSubscriber(downstream, handlers);

/**
 * A subscriber for `observer` to pass to `source.subscribe`, held before the subscription
 * starts: unsubscribing it stops the source at once, even from inside a synchronous emission
 * (the subscription `subscribe` returns would only exist once that emission is over). Unlike
 * {@link createOperatorSubscriber} it belongs to no downstream: its holder lets go of it.
 */
export const stoppableSubscriber = <A>(observer: Observer<A>): Subscriber<A> =>
  // The constructor is the one RxJS's operators build on; given a full observer it calls it as is.
  new Subscriber<A>(observer);
