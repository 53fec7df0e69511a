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
const badValue = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Header names that frame the message or belong to one hop (RFC 9110 §7.6.1, RFC 9112): the
 * HTTP layer sets them. From a caller, `content-length` would cut the body short (a server then
 * reads its tail as a second request) or hang the request, and `transfer-encoding` would go out
 * beside the real `content-length`. Any `proxy-*` name is refused as well.
 */
export const framingHeaders: ReadonlyArray<string> = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'keep-alive',
  'te',
  'trailer',
  'expect',
];

/**
 * Whether a header name is one the caller may not set (see {@link framingHeaders}), in any case.
 */
export const isFramingHeader = (name: string): boolean => {
  const lower = name.toLowerCase();
  return framingHeaders.includes(lower) || lower.startsWith('proxy-');
};

/**
 * Checks a header record: names are HTTP tokens and not framing or hop-by-hop headers
 * ({@link isFramingHeader}), values are strings of visible ASCII, spaces, tabs and Latin-1
 * characters (no CR, LF, NUL or other control character, nothing above U+00FF).
 *
 * @example
 * ```ts
 * validateHeaders({ 'x-trace': 'abc' });        // right({ 'x-trace': 'abc' })
 * validateHeaders({ 'x-a': 'v\r\nx-b: evil' }); // left(InvalidRequest)
 * validateHeaders({ 'Content-Length': '11' });  // left(InvalidRequest 'headers.Content-Length: …')
 * ```
 */
export const validateHeaders = (u: unknown, path = 'headers'): E.Either<YqcloudError, HeaderRecord> => {
  if (typeof u !== 'object' || u === null || Array.isArray(u))
    return E.left(invalidRequest(path, 'expected an object of header names to string values'));
  const out: Array<readonly [string, string]> = [];
  for (const [name, value] of Object.entries(u)) {
    if (!token.test(name)) return E.left(invalidRequest(`${path}.${name}`, 'not a valid header name'));
    if (isFramingHeader(name))
      return E.left(
        invalidRequest(
          `${path}.${name}`,
          `"${name}" frames the message or belongs to one hop; the HTTP layer sets it, a caller may not`,
        ),
      );
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
