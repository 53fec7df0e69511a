/**
 * Who may use an endpoint: an `authorize(request)` hook, and {@link bearerToken}, the hook for
 * a fixed set of tokens.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { GuardRequest } from './guardRequest.js';

/**
 * Decides whether a request may go on: `true` lets it through, `false` is a 401. May be async
 * (a database or session lookup); a hook that throws or rejects is a 401 too.
 *
 * @example
 * ```ts
 * const authorize: Authorize = async (request) => sessions.has(request.headers.get('cookie') ?? '');
 * ```
 */
export type Authorize = (request: GuardRequest) => boolean | Promise<boolean>;

/**
 * The token of an `authorization: Bearer <token>` header, if the request has one.
 *
 * @example
 * ```ts
 * bearerTokenOf(new Headers({ authorization: 'Bearer s3cret' })); // 's3cret'
 * ```
 */
export const bearerTokenOf = (headers: Headers): string | undefined => {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(headers.get('authorization') ?? '');
  return match?.[1];
};

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * An {@link Authorize} hook that lets through a request whose bearer token is one of `tokens`.
 * Tokens are compared as SHA-256 digests with `timingSafeEqual`, each one every time, so the
 * time taken says nothing about how much of a token matched or which one did.
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
    return accepted.reduce((found, expected) => timingSafeEqual(given, expected) || found, false);
  };
};
