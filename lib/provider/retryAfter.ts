/**
 * Reading a `Retry-After` header.
 *
 * @module
 */
const httpDateStart = /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,? /i;

/**
 * The wait a `Retry-After` value asks for, in milliseconds: delay-seconds or an HTTP date
 * (measured from `nowMs`); never negative. `undefined` when there is no value or it is neither.
 *
 * @example
 * ```ts
 * parseRetryAfter('2', 0);                                   // 2000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.now()); // 0 — long past
 * parseRetryAfter('soon', 0);                                // undefined
 * parseRetryAfter('-1', 0);                                  // undefined
 * ```
 */
export const parseRetryAfter = (value: string | undefined, nowMs: number): number | undefined => {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP-date starts with the day's name (all three of RFC 9110's formats do); anything else
  // is not handed to Date.parse, which reads '-1' or 'soon 3' as dates.
  if (!httpDateStart.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
};
