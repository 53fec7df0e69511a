/**
 * Refusals: what the guards answer instead of streaming, before anything is sent upstream. A
 * refusal is data (status, error, headers); the relay renders it as `{ "error": <YqcloudError> }`
 * with {@link writeRefusal} or {@link refusalResponse}, another protocol renders it its own way.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import { httpError, invalidRequest, type YqcloudError } from '../core/error.js';

/**
 * A request refused before anything reached the service.
 *
 * @example
 * ```ts
 * const refusal: Refusal = unauthorized();
 * refusal.status; // 401
 * refusal.headers; // { 'www-authenticate': 'Bearer' }
 * ```
 */
export interface Refusal {
  readonly status: number;
  /** The error a client revives: `InvalidRequest` for 400 and 413, `Http` with `status` otherwise. */
  readonly error: YqcloudError;
  /** Headers the status calls for (`www-authenticate`, `allow`, `retry-after`). */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * 400: the body is not JSON or not a relay request.
 *
 * @example
 * ```ts
 * badRequest(invalidRequest('messages', 'at least one message is required')).status; // 400
 * ```
 */
export const badRequest = (error: YqcloudError): Refusal => ({ status: 400, error, headers: {} });

/**
 * 401: `authorize` said no; `www-authenticate: Bearer`.
 *
 * @example
 * ```ts
 * unauthorized().error.status; // 401
 * ```
 */
export const unauthorized = (): Refusal => ({
  status: 401,
  error: httpError(401, '', undefined, 'unauthorized: send authorization: Bearer <token>'),
  headers: { 'www-authenticate': 'Bearer' },
});

/**
 * 403: the request's `Origin` is not on the CORS allow-list.
 *
 * @example
 * ```ts
 * forbiddenOrigin().status; // 403
 * ```
 */
export const forbiddenOrigin = (): Refusal => ({
  status: 403,
  error: httpError(403, '', undefined, 'this origin is not allowed'),
  headers: {},
});

/**
 * 405: a method the endpoint does not serve; `allow` lists the ones it does.
 *
 * @example
 * ```ts
 * methodNotAllowed(['POST', 'OPTIONS']).headers.allow; // 'POST, OPTIONS'
 * ```
 */
export const methodNotAllowed = (allowed: ReadonlyArray<string>): Refusal => ({
  status: 405,
  error: httpError(405, '', undefined, `method not allowed; use ${allowed.join(' or ')}`),
  headers: { allow: allowed.join(', ') },
});

/**
 * 413: the body passed `maxBodyBytes`.
 *
 * @example
 * ```ts
 * payloadTooLarge(65_536).error.kind; // 'InvalidRequest'
 * ```
 */
export const payloadTooLarge = (limitBytes: number): Refusal => ({
  status: 413,
  error: invalidRequest('', `the request body passed maxBodyBytes (${limitBytes} bytes)`),
  // The rest of the body is not read: the connection cannot carry another request.
  headers: { connection: 'close' },
});

/**
 * 415: the body is not `application/json`.
 *
 * @example
 * ```ts
 * unsupportedMediaType().status; // 415
 * ```
 */
export const unsupportedMediaType = (): Refusal => ({
  status: 415,
  error: httpError(415, '', undefined, 'send content-type: application/json'),
  headers: {},
});

/**
 * 429: this client already has its `maxConcurrentStreams` streams open; `retry-after` in seconds.
 *
 * @example
 * ```ts
 * tooManyStreams(4, 2).headers['retry-after']; // '2'
 * ```
 */
export const tooManyStreams = (limit: number, retryAfterS: number): Refusal => ({
  status: 429,
  error: httpError(429, '', retryAfterS * 1000, `this client already has ${limit} streams open`),
  headers: { 'retry-after': String(retryAfterS) },
});

/**
 * The relay's JSON body of a refusal: `{ "error": <YqcloudError.toJSON()> }`.
 *
 * @example
 * ```ts
 * JSON.parse(refusalJson(unauthorized())).error.kind; // 'Http'
 * ```
 */
export const refusalJson = (refusal: Refusal): string => JSON.stringify({ error: refusal.error.toJSON() });

const jsonHeaders = (refusal: Refusal, extra: Readonly<Record<string, string>>): Record<string, string> => ({
  ...extra,
  ...refusal.headers,
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
});

/**
 * Answers a `node:http` request with the refusal (and `extra` headers, such as CORS's).
 *
 * @example
 * ```ts
 * http.createServer((req, res) => writeRefusal(res, unauthorized()));
 * ```
 */
export const writeRefusal = (
  res: ServerResponse,
  refusal: Refusal,
  extra: Readonly<Record<string, string>> = {},
): void => {
  if (res.headersSent || res.destroyed) return void res.destroy();
  res.writeHead(refusal.status, jsonHeaders(refusal, extra)).end(refusalJson(refusal));
};

/**
 * The refusal as a Web `Response` (and `extra` headers, such as CORS's).
 *
 * @example
 * ```ts
 * export const POST = (): Response => refusalResponse(unauthorized());
 * ```
 */
export const refusalResponse = (refusal: Refusal, extra: Readonly<Record<string, string>> = {}): Response =>
  new Response(refusalJson(refusal), { status: refusal.status, headers: jsonHeaders(refusal, extra) });
