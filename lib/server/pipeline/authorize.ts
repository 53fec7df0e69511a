/**
 * Who may use an endpoint, and who they are: an `authorize(request)` hook that returns the
 * identity it verified, and {@link bearerToken}, the hook for a fixed set of tokens. The server
 * trusts nothing else about a client: stream limits and conversation ownership are keyed by
 * this identity only.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { GuardRequest } from './request.js';

/**
 * What `authorize` says of a request: the identity it verified (a non-empty string: a user id,
 * a session's account), `true` (allowed; the client is then its remote address), or `false` /
 * `''` (refused, 401).
 *
 * @example
 * ```ts
 * const verdict: Authorization = 'user:42';
 * ```
 */
export type Authorization = string | boolean;

/**
 * Decides whether a request may go on and who sent it. May be async (a database or session
 * lookup); a hook that throws or rejects is a 401 too. Return an identity you verified (never
 * a header as sent): every client with the same identity shares one stream budget and one set
 * of conversations.
 *
 * @example
 * ```ts
 * declare const sessions: { readonly userOf: (id: string) => Promise<string | undefined> }; // your session store
 * const authorize: Authorize = async (request) => {
 *   const id = /(?:^|;\s*)sid=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1];
 *   return id === undefined ? false : ((await sessions.userOf(id)) ?? false); // the user, or a 401
 * };
 * ```
 */
export type Authorize = (request: GuardRequest) => Authorization | Promise<Authorization>;

/** The token of an `authorization: Bearer <token>` header, if the request has one. */
const bearerTokenOf = (headers: Headers): string | undefined => {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(headers.get('authorization') ?? '');
  return match?.[1];
};

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * An {@link Authorize} hook that lets through a request whose bearer token is one of `tokens`,
 * as the identity `token:<first 32 hex digits of the token's SHA-256>` (never the token itself,
 * so it can sit in a store or a log). Tokens are compared as SHA-256 digests with
 * `timingSafeEqual`, each one every time, so the time taken says nothing about how much of a
 * token matched or which one did.
 *
 * @example
 * ```ts
 * const relay = createRelayHandler({ provider, authorize: bearerToken(process.env['RELAY_TOKEN'] ?? '') });
 * ```
 */
export const bearerToken = (...tokens: ReadonlyArray<string>): Authorize => {
  const accepted = tokens.filter((token) => token !== '').map(digest);
  return (request) => {
    const token = bearerTokenOf(request.headers);
    if (token === undefined) return false;
    const given = digest(token);
    const found = accepted.reduce((match, expected) => timingSafeEqual(given, expected) || match, false);
    return found ? `token:${given.toString('hex').slice(0, 32)}` : false;
  };
};

/**
 * The client key of a verdict: `user:<identity>` for an identity, `address:<remote address>`
 * for `true`; `undefined` for a refusal.
 */
export const identityOf = (verdict: unknown, request: GuardRequest): string | undefined => {
  if (verdict === true) return `address:${request.remoteAddress ?? 'unknown'}`;
  if (typeof verdict === 'string' && verdict !== '') return `user:${verdict}`;
  return undefined;
};
