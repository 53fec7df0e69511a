/**
 * What operators add to the one way options are read (`core/optionCheck.ts`): a scheduler
 * option, and the rule for a bad option, RxJS's and the AI SDK's `smoothStream`'s: the operator
 * throws the `InvalidRequest` when it is created, before anything is subscribed.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import type { OperatorFunction, SchedulerLike } from 'rxjs';
import { optional, type Check, type OptionReader } from '../core/optionCheck.js';

const isScheduler = (u: unknown): u is SchedulerLike => {
  try {
    return (
      typeof u === 'object' &&
      u !== null &&
      typeof (u as SchedulerLike).now === 'function' &&
      typeof (u as SchedulerLike).schedule === 'function'
    );
  } catch {
    return false;
  }
};

/**
 * An optional scheduler (anything with `now` and `schedule`).
 */
export const schedulerOption: OptionReader<SchedulerLike | undefined> = optional('an RxJS scheduler', isScheduler);

/**
 * The operator built from checked options; a bad option is thrown (an `InvalidRequest`) here,
 * when the operator is created, as RxJS's own operators do.
 */
export const withOptions = <A, T, R>(
  checked: Check<A>,
  operator: (options: A) => OperatorFunction<T, R>,
): OperatorFunction<T, R> => {
  if (E.isLeft(checked)) throw checked.left;
  return operator(checked.right);
};
