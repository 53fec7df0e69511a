/**
 * Answering a reply or a refusal, decided when the answer is subscribed: a request the provider
 * refuses outright (an `InvalidRequest` error on subscription, before anything is sent) is a
 * refusal, anything else a stream. Nothing is held: the provider is subscribed by the answer,
 * linked to it, and each of its notifications goes on as it comes.
 *
 * @module
 */
import { Observable, Subject } from '#rx';
import { YqcloudError } from '../../core/error.js';
import { createOperatorSubscriber } from '../../operators/operatorSubscriber.js';

/**
 * Subscribes to `source` when the answer is subscribed. An `InvalidRequest` error raised during
 * that subscription, before any value, is answered by `refused(error)`; otherwise by
 * `streamed(chunks)`, subscribed at the first notification of `source` (or once its
 * subscription returns, whichever comes first), where `chunks` gives the source's notifications
 * from then on. Unsubscribing from the answer unsubscribes the source at once, even from inside
 * a synchronous emission; so does the end of `streamed`'s answer.
 *
 * ```
 * source:   #                  (InvalidRequest on subscription)
 * answer:   (r|)               r = refused(error)
 *
 * source:   --a--b--|
 * answer:   h-a--b--|          streamed(chunks) = concat(of(h), chunks)
 * ```
 */
export const startReply = <A, B>(
  source: Observable<A>,
  refused: (error: YqcloudError) => Observable<B>,
  streamed: (chunks: Observable<A>) => Observable<B>,
): Observable<B> =>
  new Observable<B>((subscriber) => {
    let subscribing = true;
    let live: Subject<A> | undefined;
    let refusal = false;
    const started = (): Subject<A> => {
      if (live === undefined) {
        const chunks = new Subject<A>();
        live = chunks;
        streamed(chunks).subscribe(subscriber);
      }
      return live;
    };
    source.subscribe(
      createOperatorSubscriber<A>(subscriber, {
        next: (value) => started().next(value),
        error: (e: unknown) => {
          if (subscribing && live === undefined && YqcloudError.is(e, 'InvalidRequest')) {
            refusal = true;
            refused(e).subscribe(subscriber);
          } else started().error(e);
        },
        complete: () => started().complete(),
      }),
    );
    subscribing = false;
    if (!refusal && !subscriber.closed && live === undefined) started();
  });
