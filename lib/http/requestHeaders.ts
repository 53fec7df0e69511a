/**
 * The headers a transport is handed, checked before anything is sent: a transport is public
 * (`Transport`), so what reaches it need not have come through the provider's own validation.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import type { YqcloudError } from '../core/error.js';
import { validateHeaders, type HeaderRecord } from '../core/headers.js';

/** A record checked once (a provider hands the same one to every request). */
const checked = new WeakMap<object, HeaderRecord | YqcloudError>();

/**
 * `headers` as a copy with no prototype, or the `InvalidRequest` error that refuses them (a name
 * that is not a token, a framing or hop-by-hop header, a value with CR, LF or another control
 * character or past Latin-1; see `validateHeaders`). The answer for a record is kept, so a
 * record must not change after it was first sent (the provider's are frozen).
 */
export const checkRequestHeaders = (headers: HeaderRecord): HeaderRecord | YqcloudError => {
  const known = checked.get(headers);
  if (known !== undefined) return known;
  const result = validateHeaders(headers, 'headers');
  const answer = E.isLeft(result)
    ? result.left
    : (Object.assign(Object.create(null) as Record<string, string>, result.right) as HeaderRecord);
  checked.set(headers, answer);
  return answer;
};
