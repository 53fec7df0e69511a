/**
 * Refusals: what the pipeline answers instead of streaming, before anything is sent upstream. A
 * refusal is data (status, a sentence, the error, headers); each route renders it in its
 * protocol (the relay as `{ "error": <YqcloudError> }`, the OpenAI route as OpenAI's error).
 *
 * @module
 */
import { httpError, invalidRequest, type YqcloudError } from '../../core/error.js';

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
  /** What went wrong, in a sentence without the status (protocols that show the status add it). */
  readonly message: string;
  /** The error a relay client revives: `InvalidRequest` for 400 and 413, `Http` with `status` otherwise. */
  readonly error: YqcloudError;
  /** Headers the status calls for (`www-authenticate`, `allow`, `retry-after`, `connection`). */
  readonly headers: Readonly<Record<string, string>>;
  /** A machine-readable code for protocols that carry one (OpenAI's `model_not_found`, `unsupported_parameter`). */
  readonly code?: string | undefined;
}

const refusal = (
  status: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
  retryAfterMs?: number,
): Refusal => ({ status, message, error: httpError(status, '', retryAfterMs, message), headers });

/**
 * 400: the body is not JSON or not a request of the route.
 */
export const badRequest = (error: YqcloudError): Refusal => ({
  status: 400,
  message: error.message,
  error,
  headers: {},
});

/**
 * 401: `authorize` said no; `www-authenticate: Bearer`.
 */
export const unauthorized = (): Refusal =>
  refusal(401, 'unauthorized: send valid credentials (authorization: Bearer <token>)', {
    'www-authenticate': 'Bearer',
  });

/**
 * 403: the request's `Origin` is not on the CORS allow-list.
 */
export const forbiddenOrigin = (): Refusal => refusal(403, 'this origin is not allowed');

/**
 * 403: the request names a conversation that belongs to another client.
 */
export const conversationNotYours = (): Refusal =>
  refusal(403, 'this conversation belongs to another client; start a new one');

/**
 * 403: the reply named (by `Last-Event-ID` or `?reply=`) belongs to another client.
 */
export const replyNotYours = (): Refusal => refusal(403, 'this reply belongs to another client');

/**
 * 404: no route at this path (said only to a client `authorize` let through).
 */
export const notFound = (message: string): Refusal => refusal(404, message);

/**
 * 405: a method the route does not serve; `allow` lists the ones it does.
 */
export const methodNotAllowed = (allowed: ReadonlyArray<string>): Refusal =>
  refusal(405, `method not allowed; use ${allowed.join(' or ')}`, { allow: allowed.join(', ') });

/**
 * 408: the body did not arrive within `bodyTimeoutMs`; the connection is closed.
 */
export const requestTimeout = (timeoutMs: number): Refusal =>
  refusal(408, `the request body did not arrive within ${timeoutMs} ms`, { connection: 'close' });

/**
 * 413: the body passed `maxBodyBytes`; the rest is not read and the connection is closed.
 */
export const payloadTooLarge = (limitBytes: number): Refusal => {
  const error = invalidRequest('', `the request body passed maxBodyBytes (${limitBytes} bytes)`);
  return { status: 413, message: error.message, error, headers: { connection: 'close' } };
};

/**
 * 415: the body is not `application/json`.
 */
export const unsupportedMediaType = (): Refusal => refusal(415, 'send content-type: application/json');

/**
 * 429: this client already has its `maxConcurrentStreams` streams open; `retry-after` in seconds.
 */
export const tooManyStreams = (limit: number, retryAfterS: number): Refusal =>
  refusal(
    429,
    `this client already has ${limit} streams open`,
    { 'retry-after': String(retryAfterS) },
    retryAfterS * 1000,
  );

/**
 * 429: this client sent its `maxRequestsPerMinute`; `retry-after` in seconds (rounded up).
 */
export const tooManyRequests = (limit: number, retryAfterMs: number): Refusal => {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return refusal(
    429,
    `this client sent ${limit} requests in the last minute`,
    { 'retry-after': String(seconds) },
    seconds * 1000,
  );
};

/**
 * 503: the server's store (leases, conversations) could not be reached; retry later.
 */
export const storeUnavailable = (retryAfterS: number): Refusal =>
  refusal(503, 'the server cannot take requests right now', { 'retry-after': String(retryAfterS) }, retryAfterS * 1000);
