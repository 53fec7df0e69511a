/**
 * Readable accounts of io-ts decoding failures.
 *
 * @module
 */
import type * as t from 'io-ts';
import { YqcloudError } from './error.js';

const tagOf = (type: t.Decoder<unknown, unknown> | undefined): string | undefined =>
  (type as { readonly _tag?: string } | undefined)?._tag;

/** Keys io-ts adds for a union's or an intersection's members, which are not places in the value. */
const isCombinator = (type: t.Decoder<unknown, unknown> | undefined): boolean => {
  const tag = tagOf(type);
  return tag === 'UnionType' || tag === 'IntersectionType';
};

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
 */
export const errorPath = (error: t.ValidationError): string =>
  error.context
    .filter((entry, i) => entry.key !== '' && !isCombinator(error.context[i - 1]?.type))
    .map((entry) => entry.key)
    .join('.');

/**
 * One line for a failure: where, what was expected, what was found.
 */
export const describeError = (error: t.ValidationError): string => {
  const last = error.context[error.context.length - 1];
  const expected = error.message ?? `expected ${last?.type.name ?? 'a valid value'}`;
  const path = errorPath(error);
  return `${path === '' ? 'value' : path}: ${expected}, got ${show(error.value)}`;
};

/**
 * The failures worth reading: when a union's members fail at different depths (content given
 * as an array whose part is wrong also fails "expected string"), only the deepest are kept.
 */
export const relevantErrors = (errors: t.Errors): t.Errors => {
  const paths = errors.map(errorPath);
  return errors.filter((_, i) => {
    const path = paths[i] ?? '';
    return !paths.some((other) => other !== path && (path === '' || other.startsWith(`${path}.`)));
  });
};

/**
 * All failures, separated by `; `, the first few only.
 */
export const describeErrors = (errors: t.Errors): string => {
  const lines = [...new Set(relevantErrors(errors).map(describeError))];
  return lines.length <= 3 ? lines.join('; ') : `${lines.slice(0, 3).join('; ')}; and ${lines.length - 3} more`;
};

/**
 * The `InvalidRequest` error for a value that did not decode: every failure worth reading
 * described (the message names each place itself), and the path of the first one.
 */
export const invalidRequestOf = (errors: t.Errors): YqcloudError => {
  const first = relevantErrors(errors)[0];
  return new YqcloudError('InvalidRequest', describeErrors(errors), {
    path: first === undefined ? '' : errorPath(first),
  });
};
