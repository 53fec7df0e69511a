/**
 * Reading a `Retry-After` header.
 *
 * @module
 */
import * as O from '#fp-ts/Option.js';

const httpDateStart = /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,? /i;

/**
 * The wait a `Retry-After` value asks for, in milliseconds: delay-seconds or an HTTP date
 * (measured from `nowMs`); never negative.
 *
 * @example
 * ```ts
 * parseRetryAfter('2', 0);                                   // some(2000)
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.now()); // some(0) — long past
 * parseRetryAfter('soon', 0);                                // none
 * parseRetryAfter('-1', 0);                                  // none
 * ```
 */
export const parseRetryAfter = (value: string | undefined, nowMs: number): O.Option<number> => {
  if (value === undefined) return O.none;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return O.some(Math.round(Number(trimmed) * 1000));
  // An HTTP-date starts with the day's name (all three of RFC 9110's formats do); anything else
  // is not handed to Date.parse, which reads '-1' or 'soon 3' as dates.
  if (!httpDateStart.test(trimmed)) return O.none;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? O.none : O.some(Math.max(0, date - nowMs));
};
