/**
 * Subscribing to a reply at once, to tell a request the provider refuses outright (an
 * `InvalidRequest` error on subscription, before anything is sent) from a stream.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import type { Subscriber } from 'rxjs';
import { Observable } from '#rx';
import { invalidRequest, YqcloudError } from '../../../core/error.js';

type Held<A> =
  | { readonly type: 'next'; readonly value: A }
  | { readonly type: 'error'; readonly error: unknown }
  | { readonly type: 'complete' };

/**
 * Subscribes to `source` now. An `InvalidRequest` error raised during that subscription, before
 * any value, is returned as `left` (the relay answers it with a 400); otherwise `right` is the
 * stream, which holds what arrives until it is subscribed. It has one consumer: subscribe to it
 * once, right away (a second subscription fails with `InvalidRequest` and changes nothing for the
 * first); unsubscribing from it unsubscribes the source.
 */
export const startReply = <A>(source: Observable<A>): E.Either<YqcloudError, Observable<A>> => {
  const held: Array<Held<A>> = [];
  let target: Subscriber<A> | undefined;
  let subscribing = true;
  let refused: YqcloudError | undefined;
  const deliver = (notification: Held<A>): void => {
    if (target === undefined) held.push(notification);
    else if (notification.type === 'next') target.next(notification.value);
    else if (notification.type === 'error') target.error(notification.error);
    else target.complete();
  };
  const upstream = source.subscribe({
    next: (value) => deliver({ type: 'next', value }),
    error: (error: unknown) => {
      if (subscribing && held.length === 0 && YqcloudError.is(error, 'InvalidRequest')) refused = error;
      else deliver({ type: 'error', error });
    },
    complete: () => deliver({ type: 'complete' }),
  });
  subscribing = false;
  if (refused !== undefined) return E.left(refused);
  return E.right(
    new Observable<A>((subscriber) => {
      if (target !== undefined)
        return subscriber.error(invalidRequest('', 'a started reply has one consumer: it was already subscribed'));
      target = subscriber;
      for (const notification of held.splice(0)) deliver(notification);
      return () => upstream.unsubscribe();
    }),
  );
};
