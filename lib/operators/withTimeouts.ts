import * as E from '#fp-ts/Either.js';
import { pipe as fpPipe } from '#fp-ts/function.js';
import {
  asyncScheduler,
  Observable,
  throwError,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { Chunk } from '../core/chunk.js';
import { timeoutError, withPartialText, type TimeoutPhase } from '../core/error.js';
import { durationMs, optionsObject, schedulerOption } from './options.js';

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
 * through) when a deadline is missed, and unsubscribes the source, which aborts the request.
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
export const withTimeouts =
  (options?: TimeoutOptions): OperatorFunction<Chunk, Chunk> =>
  (source) => {
    const checked = fpPipe(
      optionsObject('withTimeouts', options, ['firstChunkMs', 'idleMs', 'totalMs', 'scheduler']),
      E.chain((o) =>
        fpPipe(
          E.Do,
          E.apS('firstChunkMs', durationMs('withTimeouts.firstChunkMs', o.firstChunkMs)),
          E.apS('idleMs', durationMs('withTimeouts.idleMs', o.idleMs)),
          E.apS('totalMs', durationMs('withTimeouts.totalMs', o.totalMs)),
          E.apS('scheduler', schedulerOption('withTimeouts.scheduler', o.scheduler)),
        ),
      ),
    );
    if (E.isLeft(checked)) return throwError(() => checked.left);
    const { firstChunkMs, idleMs, totalMs } = checked.right;
    const scheduler = checked.right.scheduler ?? asyncScheduler;

    return new Observable<Chunk>((subscriber) => {
      const delivered: Array<string> = [];
      let gap: Subscription | undefined;
      let total: Subscription | undefined;

      const expire = (phase: TimeoutPhase, ms: number) => (): void => {
        subscriber.error(withPartialText(delivered.join(''))(timeoutError(phase, ms)));
      };
      const armGap = (phase: TimeoutPhase, ms: number | undefined): void => {
        gap?.unsubscribe();
        gap = ms === undefined ? undefined : scheduler.schedule(expire(phase, ms), ms);
      };

      if (totalMs !== undefined) total = scheduler.schedule(expire('total', totalMs), totalMs);
      if (firstChunkMs !== undefined) armGap('first-chunk', firstChunkMs);
      else armGap('idle', idleMs);

      const inner = source.subscribe({
        next: (chunk) => {
          if (chunk.type === 'text') delivered.push(chunk.text);
          armGap('idle', idleMs);
          subscriber.next(chunk);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });

      return () => {
        gap?.unsubscribe();
        total?.unsubscribe();
        inner.unsubscribe();
      };
    });
  };
