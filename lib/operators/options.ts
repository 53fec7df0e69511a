/**
 * Reading operator options, one way for every operator: own properties only, each read once,
 * unknown keys refused, and a bad option makes the operator's stream fail with `InvalidRequest`
 * when subscribed, never a synchronous throw.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { throwError, type OperatorFunction, type SchedulerLike } from 'rxjs';
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
 * How one option is read: from its path (for the message) and its raw value to the value or the
 * error. `undefined` means "not given" to every reader.
 *
 * @example
 * ```ts
 * const positive: OptionReader<number | undefined> = (path, u) =>
 *   u === undefined || (typeof u === 'number' && u > 0) ? E.right(u) : E.left(invalidRequest(path, 'expected a positive number'));
 * ```
 */
export type OptionReader<A> = (path: string, u: unknown) => Checked<A>;

/**
 * An optional non-negative finite number (milliseconds, characters, a count).
 *
 * @example
 * ```ts
 * nonNegative('withTimeouts.idleMs', 500); // right(500)
 * ```
 */
export const nonNegative: OptionReader<number | undefined> = (path, u) =>
  u === undefined || (typeof u === 'number' && Number.isFinite(u) && u >= 0)
    ? E.right(u)
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
export const durationMs: OptionReader<number | undefined> = (path, u) =>
  u === undefined || (typeof u === 'number' && Number.isFinite(u) && u >= 0 && u <= maxTimerMs)
    ? E.right(u)
    : E.left(invalidRequest(path, `expected a duration from 0 to ${maxTimerMs} ms`));

const isScheduler = (u: unknown): boolean => {
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
 *
 * @example
 * ```ts
 * schedulerOption('bufferText.scheduler', asyncScheduler); // right(asyncScheduler)
 * ```
 */
export const schedulerOption: OptionReader<SchedulerLike | undefined> = (path, u) =>
  u === undefined || isScheduler(u)
    ? E.right(u as SchedulerLike | undefined)
    : E.left(invalidRequest(path, 'expected an RxJS scheduler'));

/**
 * An optional function (a clock, a random source, a predicate); it is called later, so only its
 * type is checked here.
 *
 * @example
 * ```ts
 * const random = functionOption<() => number>('a function returning a number in [0, 1)');
 * random('retryTransient.random', Math.random); // right(Math.random)
 * ```
 */
export const functionOption =
  <F extends (...args: never) => unknown>(expected: string): OptionReader<F | undefined> =>
  (path, u) =>
    u === undefined || typeof u === 'function'
      ? E.right(u as F | undefined)
      : E.left(invalidRequest(path, `expected ${expected}`));

/**
 * An optional value out of a fixed list.
 *
 * @example
 * ```ts
 * oneOf(['word', 'line'] as const)('bufferText.boundary', 'line'); // right('line')
 * ```
 */
export const oneOf =
  <A extends string>(values: ReadonlyArray<A>): OptionReader<A | undefined> =>
  (path, u) =>
    u === undefined || values.includes(u as A)
      ? E.right(u as A | undefined)
      : E.left(invalidRequest(path, `expected one of ${values.join(', ')}`));

/**
 * The options an operator reads, by name, and what each reader gives.
 *
 * @example
 * ```ts
 * type Read = OptionsRead<{ timeMs: typeof durationMs }>; // { readonly timeMs: number | undefined }
 * ```
 */
export type OptionsRead<R extends Readonly<Record<string, OptionReader<unknown>>>> = {
  readonly [K in keyof R]: R[K] extends OptionReader<infer A> ? A : never;
};

const ownEntries = (operator: string, u: object): Checked<ReadonlyArray<readonly [string, unknown]>> => {
  try {
    return E.right(Object.keys(u).map((key) => [key, (u as Record<string, unknown>)[key]] as const));
  } catch {
    return E.left(invalidRequest(operator, 'the options object could not be read'));
  }
};

/**
 * Reads an operator's options object: absent, or an object whose own enumerable keys are all
 * known to `readers` (nothing is read through its prototype); each is read once, then checked by
 * its reader (a getter that throws, or a Proxy that does, is an `InvalidRequest`). The first problem is the error, its `path` naming the option.
 *
 * @example
 * ```ts
 * readOptions('withTimeouts', { idleMs: 500 }, { idleMs: durationMs }); // right({ idleMs: 500 })
 * readOptions('bufferText', { timems: 100 }, { timeMs: durationMs });   // left: bufferText.timems: unknown option
 * ```
 */
export const readOptions = <R extends Readonly<Record<string, OptionReader<unknown>>>>(
  operator: string,
  u: unknown,
  readers: R,
): Checked<OptionsRead<R>> => {
  if (u === undefined) return readAll(operator, new Map(), readers);
  if (typeof u !== 'object' || u === null || Array.isArray(u))
    return E.left(invalidRequest(operator, 'expected an options object'));
  const entries = ownEntries(operator, u);
  if (E.isLeft(entries)) return entries;
  const known = Object.keys(readers);
  for (const [key] of entries.right) {
    if (!known.includes(key))
      return E.left(invalidRequest(`${operator}.${key}`, `unknown option (expected ${known.join(', ')})`));
  }
  return readAll(operator, new Map(entries.right), readers);
};

const readAll = <R extends Readonly<Record<string, OptionReader<unknown>>>>(
  operator: string,
  given: ReadonlyMap<string, unknown>,
  readers: R,
): Checked<OptionsRead<R>> => {
  const read: Record<string, unknown> = {};
  for (const [key, reader] of Object.entries(readers)) {
    const value = reader(`${operator}.${key}`, given.get(key));
    if (E.isLeft(value)) return value;
    read[key] = value.right;
  }
  return E.right(read as OptionsRead<R>);
};

/**
 * The operator built from checked options, or one whose stream fails with the options' error
 * when subscribed.
 *
 * @example
 * ```ts
 * export const idle = (options?: { idleMs?: number }) =>
 *   withOptions(readOptions('idle', options, { idleMs: durationMs }), ({ idleMs }) => timeout(idleMs ?? 1000));
 * ```
 */
export const withOptions = <A, T, R>(
  checked: Checked<A>,
  operator: (options: A) => OperatorFunction<T, R>,
): OperatorFunction<T, R> => (E.isLeft(checked) ? () => throwError(() => checked.left) : operator(checked.right));
