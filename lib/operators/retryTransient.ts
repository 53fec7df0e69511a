import type { OperatorFunction, SchedulerLike } from 'rxjs';
import { asyncScheduler, defer, retry, tap, throwError, timer } from '#rx';
import type { Chunk } from '../core/chunk.js';
import { YqcloudError } from '../core/error.js';
import { withAttempts } from '../core/errorCopy.js';
import { durationMs, functionOption, nonNegative, readOptions } from '../core/optionCheck.js';
import { schedulerOption, withOptions } from './options.js';

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
  /** The longest backoff wait (default `10000`); a server's `Retry-After` is not cut short by it. */
  readonly maxDelayMs?: number | undefined;
  /**
   * The longest `Retry-After` worth waiting for (default `60000`, as openai-node and the AI SDK
   * use): when the server asks for more, the original error is passed on at once, its message
   * saying so.
   */
  readonly maxRetryAfterMs?: number | undefined;
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
 * The wait before retry number `attempt` (1-based): the server's `retryAfterMs` when it gave one
 * (never less: retrying earlier than the server allows is refused again), else exponential
 * backoff with full jitter capped by `maxDelayMs`.
 */
export const backoffDelay = (
  attempt: number,
  retryAfterMs: number | undefined,
  o: { readonly baseDelayMs: number; readonly maxDelayMs: number; readonly random: () => number },
): number =>
  retryAfterMs !== undefined
    ? retryAfterMs
    : Math.floor(o.random() * Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1)));

/**
 * Resubscribes (so sends a fresh request) when the reply fails with a transient error before any
 * text was delivered, waiting with exponential backoff and full jitter, or exactly as long as the
 * server asked (`Retry-After`). A `Retry-After` longer than `maxRetryAfterMs` is not waited for:
 * the error is passed on at once, saying so. Once text has been delivered it never retries: a
 * second attempt would repeat the start of the reply. After at least one retry (or a refused
 * wait), the error passed on records every failed attempt in `attempts`.
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
export const retryTransient = (options?: RetryOptions): OperatorFunction<Chunk, Chunk> =>
  withOptions(
    readOptions('retryTransient', options, {
      maxRetries: nonNegative,
      baseDelayMs: durationMs,
      maxDelayMs: durationMs,
      maxRetryAfterMs: durationMs,
      scheduler: schedulerOption,
      random: functionOption<() => number>('a function returning a number in [0, 1)'),
    }),
    (o) => {
      const delays = {
        baseDelayMs: o.baseDelayMs ?? 500,
        maxDelayMs: o.maxDelayMs ?? 10_000,
        random: o.random ?? Math.random,
      };
      const scheduler = o.scheduler ?? asyncScheduler;
      const maxRetries = Math.floor(o.maxRetries ?? 2);
      const maxRetryAfterMs = o.maxRetryAfterMs ?? 60_000;

      return (source) =>
        defer(() => {
          let delivered = false;
          const failed: Array<YqcloudError> = [];
          /** The error passed on: as it is when nothing was retried, else with the attempts recorded. */
          const giveUp = (error: unknown, note: string) =>
            throwError(() =>
              error instanceof YqcloudError && (failed.length > 0 || note !== '')
                ? withAttempts([...failed, error], note)(error)
                : error,
            );
          return source.pipe(
            tap((chunk) => {
              if (chunk.type === 'text') delivered = true;
            }),
            retry({
              delay: (error: unknown, attempt: number) => {
                if (delivered || !isTransient(error)) return giveUp(error, '');
                if (attempt > maxRetries)
                  return giveUp(error, maxRetries === 0 ? '' : ` (gave up after ${attempt} attempts)`);
                const { retryAfterMs } = error as YqcloudError;
                if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs)
                  return giveUp(
                    error,
                    ` (not retried: the server asked to wait ${retryAfterMs} ms, more than maxRetryAfterMs ${maxRetryAfterMs} ms)`,
                  );
                failed.push(error as YqcloudError);
                return timer(backoffDelay(attempt, retryAfterMs, delays), scheduler);
              },
            }),
          );
        });
    },
  );
