/**
 * Validation of the extra HTTP headers a caller may add.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { invalidRequest, type YqcloudError } from './error.js';

/**
 * Header names and values, as sent: a plain record (named so as not to shadow the DOM's `Headers` class).
 *
 * @example
 * ```ts
 * const extra: HeaderRecord = { 'x-trace-id': 'abc' };
 * ```
 */
export type HeaderRecord = Readonly<Record<string, string>>;

const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// What HTTP allows in a field value (RFC 9110: visible ASCII, space, tab, obs-text); CR and LF
// would let a value smuggle another header or request, and Node refuses the rest at send time.
// eslint-disable-next-line no-control-regex
const badValue = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Checks a header record: names are HTTP tokens, values are strings of visible ASCII, spaces,
 * tabs and Latin-1 characters (no CR, LF, NUL or other control character, nothing above U+00FF).
 *
 * @example
 * ```ts
 * validateHeaders({ 'x-trace': 'abc' });        // right({ 'x-trace': 'abc' })
 * validateHeaders({ 'x-a': 'v\r\nx-b: evil' }); // left(InvalidRequest)
 * ```
 */
export const validateHeaders = (u: unknown, path = 'headers'): E.Either<YqcloudError, HeaderRecord> => {
  if (typeof u !== 'object' || u === null || Array.isArray(u))
    return E.left(invalidRequest(path, 'expected an object of header names to string values'));
  const out: Array<readonly [string, string]> = [];
  for (const [name, value] of Object.entries(u)) {
    if (!token.test(name)) return E.left(invalidRequest(`${path}.${name}`, 'not a valid header name'));
    if (typeof value !== 'string') return E.left(invalidRequest(`${path}.${name}`, 'a header value must be a string'));
    if (badValue.test(value))
      return E.left(
        invalidRequest(
          `${path}.${name}`,
          'a header value holds visible ASCII, spaces, tabs and Latin-1 only (no CR, LF or other control character)',
        ),
      );
    out.push([name, value]);
  }
  // fromEntries defines own properties, so a header named `__proto__` is kept, not swallowed.
  return E.right(Object.fromEntries(out));
};

/**
 * Merges header records, later ones winning, names compared without case.
 *
 * @example
 * ```ts
 * mergeHeaders({ Accept: 'a' }, { accept: 'b' }); // { accept: 'b' }
 * ```
 */
export const mergeHeaders = (...records: ReadonlyArray<HeaderRecord>): HeaderRecord => {
  const byLowerName = new Map<string, readonly [string, string]>();
  for (const record of records)
    for (const [name, value] of Object.entries(record)) {
      const lower = name.toLowerCase();
      byLowerName.delete(lower);
      byLowerName.set(lower, [name, value]);
    }
  return Object.fromEntries(byLowerName.values());
};
