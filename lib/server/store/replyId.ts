/**
 * Reply ids and the SSE event ids built from them: `<replyId>.<entryId>`, so that a
 * `Last-Event-ID` alone names the reply and the point to resume after.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';

/**
 * A new reply id: 18 random bytes from the CSPRNG, base64url (24 characters).
 */
export const newReplyId = (): string => randomBytes(18).toString('base64url');

const replyIdPattern = /^[A-Za-z0-9_-]{16,64}$/;
const entryIdPattern = /^\d{1,20}-\d{1,20}$/;

/**
 * Whether `u` has the form of a reply id (checked before any store lookup).
 */
export const isReplyId = (u: unknown): u is string => typeof u === 'string' && replyIdPattern.test(u);

/**
 * The SSE event id of an entry.
 */
export const eventId = (replyId: string, entryId: string): string => `${replyId}.${entryId}`;

/**
 * A `Last-Event-ID` read back: the reply and the entry to resume after, or `undefined` when it
 * is not one of ours.
 */
export const parseEventId = (value: string): { readonly replyId: string; readonly entryId: string } | undefined => {
  const dot = value.indexOf('.');
  if (dot < 0) return undefined;
  const replyId = value.slice(0, dot);
  const entryId = value.slice(dot + 1);
  return isReplyId(replyId) && entryIdPattern.test(entryId) ? { replyId, entryId } : undefined;
};

/**
 * Whether entry id `a` comes after `b` (`<ms>-<seq>`, compared as numbers).
 */
export const entryIdAfter = (a: string, b: string): boolean => {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  return am > bm || (am === bm && as > bs);
};
