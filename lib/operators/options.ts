/**
 * Validation of operator options: a bad option makes the operator's stream fail with
 * `InvalidRequest` when subscribed, never a synchronous throw.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';
import type { SchedulerLike } from 'rxjs';
import { invalidRequest, type YqcloudError } from '../core/error.js';

/**
 * An option value, or the error naming it.
 *
 * @example
 * ```ts
 * const checked: Checked<number | undefined> = nonNegative('bufferText.timeMs', 50);
 * ```
 */
export type Checked<A> = E.Either<YqcloudError, A>;

/**
 * An optional non-negative finite number (milliseconds, characters, a count).
 *
 * @example
 * ```ts
 * nonNegative('withTimeouts.idleMs', 500); // right(500)
 * ```
 */
export const nonNegative = (path: string, u: unknown): Checked<number | undefined> =>
  u === undefined || (typeof u === 'number' && Number.isFinite(u) && u >= 0)
    ? E.right(u as number | undefined)
    : E.left(invalidRequest(path, 'expected a non-negative number'));

/**
 * The longest delay a JavaScript timer keeps (2^31 − 1 ms, about 24.8 days); longer ones fire at once.
 *
 * @example
 * ```ts
 * withTimeouts({ totalMs: Math.min(wanted, maxTimerMs) });
 * ```
 */
export const maxTimerMs = 2 ** 31 - 1;

/**
 * An optional duration in milliseconds: non-negative and no longer than {@link maxTimerMs}
 * (`setTimeout` would otherwise fire after 1 ms).
 *
 * @example
 * ```ts
 * durationMs('withTimeouts.totalMs', 30_000);  // right(30000)
 * durationMs('withTimeouts.totalMs', 2 ** 31); // left(InvalidRequest)
 * ```
 */
export const durationMs = (path: string, u: unknown): Checked<number | undefined> =>
  u === undefined || (typeof u === 'number' && Number.isFinite(u) && u >= 0 && u <= maxTimerMs)
    ? E.right(u as number | undefined)
    : E.left(invalidRequest(path, `expected a duration from 0 to ${maxTimerMs} ms`));

/**
 * An optional scheduler (anything with `now` and `schedule`).
 *
 * @example
 * ```ts
 * schedulerOption('bufferText.scheduler', asyncScheduler); // right(asyncScheduler)
 * ```
 */
export const schedulerOption = (path: string, u: unknown): Checked<SchedulerLike | undefined> =>
  pipe(
    E.tryCatch(
      () =>
        u === undefined ||
        (typeof u === 'object' &&
          u !== null &&
          typeof (u as SchedulerLike).now === 'function' &&
          typeof (u as SchedulerLike).schedule === 'function'),
      () => false,
    ),
    E.toUnion,
    (isScheduler) =>
      isScheduler
        ? E.right(u as SchedulerLike | undefined)
        : E.left(invalidRequest(path, 'expected an RxJS scheduler')),
  );

/**
 * The options object itself: absent, or an object whose `keys` are read once into a plain
 * record (so a getter that throws, or a Proxy, is an `InvalidRequest` rather than a throw).
 *
 * @example
 * ```ts
 * optionsObject('retryTransient', undefined, ['maxRetries']); // right({})
 * ```
 */
export const optionsObject = (
  path: string,
  u: unknown,
  keys: ReadonlyArray<string>,
): Checked<Readonly<Record<string, unknown>>> =>
  u === undefined
    ? E.right({})
    : typeof u === 'object' && u !== null && !Array.isArray(u)
      ? E.tryCatch(
          (): Readonly<Record<string, unknown>> =>
            Object.fromEntries(keys.map((key) => [key, (u as Record<string, unknown>)[key]])),
          () => invalidRequest(path, 'the options object could not be read'),
        )
      : E.left(invalidRequest(path, 'expected an options object'));
