import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { asyncScheduler, Observable } from '#rx';
import type { Chunk } from '../core/chunk.js';
import { timeoutError, withPartialText, type TimeoutPhase } from '../core/error.js';
import { createOperatorSubscriber } from './operatorSubscriber.js';
import { unsubscribeFailed } from './failedUnsubscription.js';
import { durationMs, readOptions } from '../core/optionCheck.js';
import { schedulerOption, withOptions } from './options.js';

/**
 * Deadlines for a reply, in milliseconds; each is optional.
 *
 * @example
 * ```ts
 * const options: TimeoutOptions = { firstChunkMs: 10_000, idleMs: 5_000 };
 * ```
 */
export interface TimeoutOptions {
  /** From subscription to the first chunk. */
  readonly firstChunkMs?: number | undefined;
  /** Between two chunks (and before the first when `firstChunkMs` is not set). */
  readonly idleMs?: number | undefined;
  /** From subscription to the end of the reply. */
  readonly totalMs?: number | undefined;
  /** The scheduler that measures time (default `asyncScheduler`; a `TestScheduler` in marble tests). */
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * Fails the reply with a `Timeout` error (with its `phase` and the `partialText` that passed
 * through) when a deadline is missed, and unsubscribes the source, which aborts the request; the
 * source's watchers (a provider's telemetry and diagnostics channels) record that `Timeout`, not
 * a cancellation.
 *
 * ```
 * withTimeouts({ firstChunkMs: 3, idleMs: 2 })
 * source: --a-b------     a, b = text
 * result: --a-b-#         # = Timeout { phase: 'idle', partialText: a + b }
 * source subscription: ^-----!
 * ```
 *
 * @example
 * ```ts
 * provider.create({ messages }).pipe(withTimeouts({ firstChunkMs: 10_000, idleMs: 5_000, totalMs: 60_000 }));
 * ```
 */
export const withTimeouts = (options?: TimeoutOptions): OperatorFunction<Chunk, Chunk> =>
  withOptions(
    readOptions('withTimeouts', options, {
      firstChunkMs: durationMs,
      idleMs: durationMs,
      totalMs: durationMs,
      scheduler: schedulerOption,
    }),
    ({ firstChunkMs, idleMs, totalMs, scheduler = asyncScheduler }) =>
      (source) =>
        new Observable<Chunk>((subscriber) => {
          /** The text that passed, as one string: the only copy this operator keeps, for its own Timeout's `partialText`. */
          let delivered = '';
          let gap: Subscription | undefined;
          let total: Subscription | undefined;

          const expire = (phase: TimeoutPhase, ms: number) => (): void => {
            const error = withPartialText(delivered)(timeoutError(phase, ms));
            // Let go of the source first, as a failure: its watchers record the Timeout, not a cancellation.
            unsubscribeFailed(upstream, error);
            subscriber.error(error);
          };
          const armGap = (phase: TimeoutPhase, ms: number | undefined): void => {
            gap?.unsubscribe();
            gap = ms === undefined ? undefined : scheduler.schedule(expire(phase, ms), ms);
          };

          // The source's own errors already carry the partialText of what it delivered.
          const upstream = createOperatorSubscriber<Chunk>(subscriber, {
            next: (chunk) => {
              if (chunk.type === 'text') delivered += chunk.text;
              armGap('idle', idleMs);
              subscriber.next(chunk);
            },
          });

          if (totalMs !== undefined) total = scheduler.schedule(expire('total', totalMs), totalMs);
          if (firstChunkMs !== undefined) armGap('first-chunk', firstChunkMs);
          else armGap('idle', idleMs);

          source.subscribe(upstream);

          return () => {
            gap?.unsubscribe();
            total?.unsubscribe();
          };
        }),
  );
