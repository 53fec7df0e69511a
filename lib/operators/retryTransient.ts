import * as E from '#fp-ts/Either.js';
import { asyncScheduler, defer, retry, tap, throwError, timer, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Chunk } from '../core/chunk.js';
import { YqcloudError } from '../core/error.js';
import { durationMs, functionOption, nonNegative, readOptions, schedulerOption } from './options.js';

/**
 * How `retryTransient` retries.
 *
 * @example
 * ```ts
 * const options: RetryOptions = { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 5_000 };
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt (default `2`). */
  readonly maxRetries?: number | undefined;
  /** The backoff's base: attempt n waits up to `baseDelayMs · 2^(n-1)` (default `500`). */
  readonly baseDelayMs?: number | undefined;
  /** The longest wait, `Retry-After` included (default `10000`). */
  readonly maxDelayMs?: number | undefined;
  /** The scheduler that waits (default `asyncScheduler`; a `TestScheduler` in marble tests). */
  readonly scheduler?: SchedulerLike | undefined;
  /** A number in [0, 1) for the jitter (default `Math.random`); inject it to make delays exact. */
  readonly random?: (() => number) | undefined;
}

const transientStatus = (status: number): boolean =>
  status === 408 || status === 425 || status === 429 || status >= 500;

/**
 * Whether an error is worth a fresh attempt: `Network`, `Http` 408/425/429/5xx and `Timeout` of
 * phase `first-chunk`. Never `Blocked`, `InvalidRequest`, `EmptyResponse` or `ResponseTooLarge`.
 *
 * @example
 * ```ts
 * isTransient(httpError(503, 'busy')); // true
 * isTransient(blocked('ip-banned', '…')); // false
 * ```
 */
export const isTransient = (e: unknown): boolean =>
  e instanceof YqcloudError &&
  (e.kind === 'Network' ||
    (e.kind === 'Http' && e.status !== undefined && transientStatus(e.status)) ||
    (e.kind === 'Timeout' && e.phase === 'first-chunk'));

/**
 * The wait before retry number `attempt` (1-based): the server's `retryAfterMs` when it gave one,
 * else exponential backoff with full jitter; both capped by `maxDelayMs`.
 *
 * @example
 * ```ts
 * backoffDelay(3, undefined, { baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5 }); // 200
 * ```
 */
export const backoffDelay = (
  attempt: number,
  retryAfterMs: number | undefined,
  o: { readonly baseDelayMs: number; readonly maxDelayMs: number; readonly random: () => number },
): number =>
  retryAfterMs !== undefined
    ? Math.min(retryAfterMs, o.maxDelayMs)
    : Math.floor(o.random() * Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1)));

/**
 * Resubscribes (so sends a fresh request) when the reply fails with a transient error before any
 * text was delivered, waiting with exponential backoff and full jitter, or as long as the server
 * asked (`Retry-After`, capped). Once text has been delivered it never retries: a second attempt
 * would repeat the start of the reply.
 *
 * ```
 * retryTransient({ baseDelayMs: 4, random: () => 0.5 })
 * first attempt:  --#             # = Http 503; wait 0.5 · 4 = 2 frames
 * second attempt:     a-F|
 * result:         ----a-F|
 * subscriptions:  ^-!  then  ----^--!
 * ```
 *
 * @example
 * ```ts
 * provider.create({ messages }).pipe(withTimeouts({ firstChunkMs: 10_000 }), retryTransient({ maxRetries: 3 }));
 * ```
 */
export const retryTransient =
  (options?: RetryOptions): OperatorFunction<Chunk, Chunk> =>
  (source) => {
    const checked = readOptions('retryTransient', options, {
      maxRetries: nonNegative,
      baseDelayMs: durationMs,
      maxDelayMs: durationMs,
      scheduler: schedulerOption,
      random: functionOption<() => number>('a function returning a number in [0, 1)'),
    });
    if (E.isLeft(checked)) return throwError(() => checked.left);
    const o = checked.right;
    const delays = {
      baseDelayMs: o.baseDelayMs ?? 500,
      maxDelayMs: o.maxDelayMs ?? 10_000,
      random: o.random ?? Math.random,
    };
    const scheduler = o.scheduler ?? asyncScheduler;

    return defer(() => {
      let delivered = false;
      return source.pipe(
        tap((chunk) => {
          if (chunk.type === 'text') delivered = true;
        }),
        retry({
          count: Math.floor(o.maxRetries ?? 2),
          delay: (error: unknown, attempt: number) =>
            delivered || !isTransient(error)
              ? throwError(() => error)
              : timer(backoffDelay(attempt, (error as YqcloudError).retryAfterMs, delays), scheduler),
        }),
      );
    });
  };
