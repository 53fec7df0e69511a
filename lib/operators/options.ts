/**
 * Validation of operator options: a bad option makes the operator's stream fail with
 * `InvalidRequest` when subscribed, never a synchronous throw.
 *
 * @module
 */
import * as E from 'fp-ts/lib/Either.js';
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
 * An optional scheduler (anything with `now` and `schedule`).
 *
 * @example
 * ```ts
 * schedulerOption('bufferText.scheduler', asyncScheduler); // right(asyncScheduler)
 * ```
 */
export const schedulerOption = (path: string, u: unknown): Checked<SchedulerLike | undefined> =>
  u === undefined ||
  (typeof u === 'object' &&
    u !== null &&
    typeof (u as SchedulerLike).now === 'function' &&
    typeof (u as SchedulerLike).schedule === 'function')
    ? E.right(u as SchedulerLike | undefined)
    : E.left(invalidRequest(path, 'expected an RxJS scheduler'));

/**
 * The options object itself: absent, or a plain object.
 *
 * @example
 * ```ts
 * optionsObject('retryTransient', undefined); // right({})
 * ```
 */
export const optionsObject = (path: string, u: unknown): Checked<Readonly<Record<string, unknown>>> =>
  u === undefined
    ? E.right({})
    : typeof u === 'object' && u !== null && !Array.isArray(u)
      ? E.right(u as Record<string, unknown>)
      : E.left(invalidRequest(path, 'expected an options object'));
