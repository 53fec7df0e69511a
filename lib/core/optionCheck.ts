/**
 * The one way options are validated, everywhere (a request, a provider, an operator, a relay
 * client): an options object is read through its own enumerable properties only, each once,
 * unknown keys refused, and each value checked by a reader that gives the value or an
 * `InvalidRequest` naming it. Pure: nothing is thrown (a throwing getter or Proxy is an
 * `InvalidRequest` too); where a bad option fails (an operator throws when created, a provider
 * fails each request) is the caller's rule.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import type * as t from 'io-ts';
import { invalidRequestOf } from './decodeErrors.js';
import { invalidRequest, type YqcloudError } from './error.js';

/**
 * A checked value, or the `InvalidRequest` that says what is wrong with it.
 */
export type Check<A> = E.Either<YqcloudError, A>;

/**
 * How one option is read: from its path (for the message) and its raw value to the value or the
 * error. `undefined` means "not given" to every optional reader.
 */
export type OptionReader<A> = (path: string, u: unknown) => Check<A>;

/**
 * The options read, by name, and what each reader gives.
 */
export type OptionsRead<R extends Readonly<Record<string, OptionReader<unknown>>>> = {
  readonly [K in keyof R]: R[K] extends OptionReader<infer A> ? A : never;
};

/**
 * The path of option `key` of `owner` (`''` for a top-level object such as a request).
 */
export const optionPath = (owner: string, key: string): string => (owner === '' ? key : `${owner}.${key}`);

/**
 * An optional value that `guard` accepts.
 */
export const optional =
  <A>(expected: string, guard: (u: unknown) => u is A): OptionReader<A | undefined> =>
  (path, u) =>
    u === undefined || guard(u) ? E.right(u as A | undefined) : E.left(invalidRequest(path, `expected ${expected}`));

/**
 * An optional non-negative finite number (milliseconds, characters, a count).
 */
export const nonNegative: OptionReader<number | undefined> = optional(
  'a non-negative number',
  (u): u is number => typeof u === 'number' && Number.isFinite(u) && u >= 0,
);

/**
 * The longest delay a JavaScript timer keeps (2^31 − 1 ms, about 24.8 days); longer ones fire at once.
 */
export const maxTimerMs = 2 ** 31 - 1;

/**
 * An optional duration in milliseconds: non-negative and no longer than {@link maxTimerMs}
 * (`setTimeout` would otherwise fire after 1 ms).
 */
export const durationMs: OptionReader<number | undefined> = optional(
  `a duration from 0 to ${maxTimerMs} ms`,
  (u): u is number => typeof u === 'number' && Number.isFinite(u) && u >= 0 && u <= maxTimerMs,
);

/**
 * An optional function (a clock, a random source, a predicate); it is called later, so only its
 * type is checked here.
 */
export const functionOption = <F extends (...args: never) => unknown>(expected: string): OptionReader<F | undefined> =>
  optional(expected, (u): u is F => typeof u === 'function');

/**
 * An optional value out of a fixed list.
 */
export const oneOf = <A extends string>(values: ReadonlyArray<A>): OptionReader<A | undefined> =>
  optional(`one of ${values.join(', ')}`, (u): u is A => values.includes(u as A));

/**
 * A value an io-ts codec decodes (a message list, a conversation), its errors as one
 * `InvalidRequest` whose path starts at the option; `undefined` is "not given" unless `required`.
 */
export const codecOption =
  <A>(codec: t.Decoder<unknown, A>, required = false): OptionReader<A | undefined> =>
  (path, u) => {
    if (u === undefined && !required) return E.right(undefined);
    const decoded = codec.validate(u, [{ key: path, type: codec as t.Decoder<unknown, unknown>, actual: u }]);
    return E.isLeft(decoded) ? E.left(invalidRequestOf(decoded.left)) : E.right(decoded.right);
  };

const ownEntries = (owner: string, u: object): Check<ReadonlyArray<readonly [string, unknown]>> => {
  try {
    return E.right(Object.keys(u).map((key) => [key, (u as Record<string, unknown>)[key]] as const));
  } catch {
    return E.left(invalidRequest(owner, 'the options object could not be read'));
  }
};

/**
 * Reads an options object: absent, or an object whose own enumerable keys are all known to
 * `readers` (nothing is read through its prototype); each is read once, then checked by its
 * reader (a getter that throws, or a Proxy that does, is an `InvalidRequest`). The first problem
 * is the error, its `path` naming the option.
 */
export const readOptions = <R extends Readonly<Record<string, OptionReader<unknown>>>>(
  owner: string,
  u: unknown,
  readers: R,
): Check<OptionsRead<R>> => {
  const given: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (u === undefined) return readAll(owner, given, readers);
  if (typeof u !== 'object' || u === null || Array.isArray(u))
    return E.left(invalidRequest(owner, 'expected an options object'));
  const entries = ownEntries(owner, u);
  if (E.isLeft(entries)) return entries;
  const known = Object.keys(readers);
  for (const [key, value] of entries.right) {
    if (!known.includes(key))
      return E.left(invalidRequest(optionPath(owner, key), `unknown option; the options are ${known.join(', ')}`));
    given[key] = value;
  }
  return readAll(owner, given, readers);
};

const readAll = <R extends Readonly<Record<string, OptionReader<unknown>>>>(
  owner: string,
  given: Readonly<Record<string, unknown>>,
  readers: R,
): Check<OptionsRead<R>> => {
  const read: Record<string, unknown> = {};
  for (const key of Object.keys(readers)) {
    const value = (readers[key] as OptionReader<unknown>)(optionPath(owner, key), given[key]);
    if (E.isLeft(value)) return value;
    read[key] = value.right;
  }
  return E.right(read as OptionsRead<R>);
};
