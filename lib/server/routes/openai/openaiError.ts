/**
 * A `YqcloudError` in OpenAI's error shape, `{ error: { message, type, code, param } }`, with
 * the status and headers an OpenAI client acts on. Pure functions.
 *
 * | kind | status | `type` | `code` |
 * |---|---|---|---|
 * | `InvalidRequest` | 400 | `invalid_request_error` | `model_not_found` (param `model`) or `invalid_request` |
 * | `Http` 429 from the service | 429 | `rate_limit_error` | `upstream_rate_limited` |
 * | `Http` any other status from the service | 502 | `upstream_error` | `upstream_http_<status>` |
 * | `Network` | 502 | `upstream_error` | `upstream_network` |
 * | `Blocked` | 403 | `permission_error` | `upstream_blocked_<reason>` |
 * | `Timeout` | 504 | `timeout_error` | `upstream_timeout_<phase>` |
 * | `EmptyResponse` | 502 | `upstream_error` | `upstream_empty_response` |
 * | `ResponseTooLarge` | 502 | `upstream_error` | `upstream_response_too_large` |
 *
 * The service's `Retry-After` is passed on as `retry-after` (seconds) and `retry-after-ms`, and
 * `x-should-retry` says whether the failure is transient (`isTransient`), which the official
 * OpenAI clients obey: a ban is not retried, a 503 from the service is. The error given here is
 * already the client's view (`clientError`): its message is the server's own, without the
 * status (OpenAI clients print the status before the message).
 *
 * @module
 */
import { isTransient, type YqcloudError } from '../../../index.js';

/**
 * OpenAI's error object.
 */
export interface OpenAIErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly code: string | null;
    readonly param: string | null;
  };
}

/**
 * An error answer: status, headers and body.
 */
export interface OpenAIErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: OpenAIErrorBody;
}

interface Row {
  readonly status: number;
  readonly type: string;
  readonly code: string;
}

const rowOf = (e: YqcloudError): Row => {
  switch (e.kind) {
    case 'InvalidRequest':
      return {
        status: 400,
        type: 'invalid_request_error',
        code: e.path === 'model' ? 'model_not_found' : 'invalid_request',
      };
    case 'Http':
      return e.status === 429
        ? { status: 429, type: 'rate_limit_error', code: 'upstream_rate_limited' }
        : { status: 502, type: 'upstream_error', code: `upstream_http_${e.status ?? 0}` };
    case 'Network':
      return { status: 502, type: 'upstream_error', code: 'upstream_network' };
    case 'Blocked':
      return { status: 403, type: 'permission_error', code: `upstream_blocked_${e.reason ?? 'unknown'}` };
    case 'Timeout':
      return { status: 504, type: 'timeout_error', code: `upstream_timeout_${e.phase ?? 'total'}` };
    case 'EmptyResponse':
      return { status: 502, type: 'upstream_error', code: 'upstream_empty_response' };
    case 'ResponseTooLarge':
      return { status: 502, type: 'upstream_error', code: 'upstream_response_too_large' };
  }
};

/**
 * The `retry-after` headers for a wait the service asked for.
 */
export const retryAfterHeaders = (retryAfterMs: number | undefined): Readonly<Record<string, string>> =>
  retryAfterMs === undefined
    ? {}
    : { 'retry-after': String(Math.ceil(retryAfterMs / 1000)), 'retry-after-ms': String(retryAfterMs) };

/**
 * The OpenAI error body of a failure of the provider (also sent as a stream's last event when
 * text has already streamed).
 */
export const openaiErrorBody = (e: YqcloudError): OpenAIErrorBody => {
  const row = rowOf(e);
  return {
    error: {
      message: e.message,
      type: row.type,
      code: row.code,
      param: e.kind === 'InvalidRequest' && e.path !== undefined && e.path !== '' ? e.path : null,
    },
  };
};

/**
 * The whole answer for a failure of the provider before any text: the table's status, the
 * retry headers and the body.
 */
export const openaiErrorOf = (e: YqcloudError): OpenAIErrorResponse => ({
  status: rowOf(e).status,
  headers: { ...retryAfterHeaders(e.retryAfterMs), 'x-should-retry': String(isTransient(e)) },
  body: openaiErrorBody(e),
});

/**
 * A refusal of the endpoint itself (a guard: token, origin, body limit, concurrency), with the
 * guard's status and headers. 401 is `invalid_api_key`, as OpenAI answers a bad key.
 */
export const refusalOf = (
  status: number,
  message: string,
  headers: Readonly<Record<string, string>>,
  detail: { readonly code?: string | undefined; readonly param?: string | undefined } = {},
): OpenAIErrorResponse => ({
  status,
  headers: { ...headers, 'x-should-retry': String(status === 429) },
  body: {
    error: {
      message,
      type: refusalTypes[status] ?? 'invalid_request_error',
      code: detail.code ?? refusalCodes[status] ?? null,
      param: detail.param === undefined || detail.param === '' ? null : detail.param,
    },
  },
});

const refusalTypes: Readonly<Record<number, string>> = {
  401: 'invalid_request_error',
  403: 'permission_error',
  429: 'rate_limit_error',
};

const refusalCodes: Readonly<Record<number, string>> = {
  400: 'invalid_request',
  401: 'invalid_api_key',
  403: 'origin_not_allowed',
  404: 'unknown_url',
  405: 'method_not_allowed',
  413: 'request_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_concurrent_requests',
};
