/**
 * Readable accounts of io-ts decoding failures.
 *
 * @module
 */
import type * as t from 'io-ts';

const isUnion = (type: t.Decoder<unknown, unknown> | undefined): boolean =>
  type !== undefined && (type as { readonly _tag?: string })._tag === 'UnionType';

const show = (u: unknown): string => {
  if (typeof u === 'string') return JSON.stringify(u.length > 40 ? `${u.slice(0, 40)}…` : u);
  if (u === undefined) return 'undefined';
  if (u === null) return 'null';
  if (Array.isArray(u)) return 'an array';
  if (typeof u === 'object') return 'an object';
  if (typeof u === 'function') return 'a function';
  return String(u);
};

/**
 * The dotted path of a failure: `messages.0.role`.
 *
 * @example
 * ```ts
 * errorPath(error); // 'messages.0.role'
 * ```
 */
export const errorPath = (error: t.ValidationError): string =>
  error.context
    .filter((entry, i) => entry.key !== '' && !isUnion(error.context[i - 1]?.type))
    .map((entry) => entry.key)
    .join('.');

/**
 * One line for a failure: where, what was expected, what was found.
 *
 * @example
 * ```ts
 * describeError(error); // 'messages.0.role: expected Role, got "bot"'
 * ```
 */
export const describeError = (error: t.ValidationError): string => {
  const last = error.context[error.context.length - 1];
  const expected = error.message ?? `expected ${last?.type.name ?? 'a valid value'}`;
  const path = errorPath(error);
  return `${path === '' ? 'value' : path}: ${expected}, got ${show(error.value)}`;
};

/**
 * All failures, one per line, the first few only.
 *
 * @example
 * ```ts
 * describeErrors(errors); // 'messages.0.role: expected Role, got "bot"'
 * ```
 */
export const describeErrors = (errors: t.Errors): string => {
  const lines = [...new Set(errors.map(describeError))];
  return lines.length <= 3 ? lines.join('; ') : `${lines.slice(0, 3).join('; ')}; and ${lines.length - 3} more`;
};
