/**
 * The headers a transport is handed, checked before anything is sent: a transport is public
 * (`Transport`), so what reaches it need not have come through the provider's own validation.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import type { YqcloudError } from '../core/error.js';
import { validateHeaders, type HeaderRecord } from '../core/headers.js';

/** The answers for frozen records (a provider hands its frozen one to every request). */
const checked = new WeakMap<object, HeaderRecord | YqcloudError>();

/**
 * `headers` as a copy with no prototype, or the `InvalidRequest` error that refuses them (a name
 * that is not a token, a framing or hop-by-hop header, a value with CR, LF or another control
 * character or past Latin-1; see `validateHeaders`). The answer for a frozen record is kept; a
 * record that can still change is checked every time.
 */
export const checkRequestHeaders = (headers: HeaderRecord): HeaderRecord | YqcloudError => {
  const known = checked.get(headers);
  if (known !== undefined) return known;
  const result = validateHeaders(headers, 'headers');
  const answer = E.isLeft(result)
    ? result.left
    : (Object.assign(Object.create(null) as Record<string, string>, result.right) as HeaderRecord);
  if (Object.isFrozen(headers)) checked.set(headers, answer);
  return answer;
};
