/**
 * The guards in front of an endpoint that streams from the service, composed in one
 * {@link createGuards}: CORS (preflight answered, unknown origins 403), method (405),
 * authorisation (401), content type (415), declared body size (413) and the per-client stream
 * limit (429). The relay and the OpenAI-compatible endpoint both stand behind them.
 *
 * @module
 */
import { bearerTokenOf, type Authorize } from './authorize.js';
import { checkOrigin, preflightHeaders, type CorsOptions } from './cors.js';
import type { GuardRequest } from './guardRequest.js';
import { defaultMaxBodyBytes } from './readBody.js';
import {
  forbiddenOrigin,
  methodNotAllowed,
  payloadTooLarge,
  tooManyStreams,
  unauthorized,
  unsupportedMediaType,
  type Refusal,
} from './refusal.js';
import { createStreamLimiter } from './streamLimiter.js';

/**
 * How the guards decide. `authorize` is required: pass `() => true` to open an endpoint on
 * purpose (behind your own authentication, say).
 *
 * @example
 * ```ts
 * const options: GuardOptions = { authorize: bearerToken('s3cret'), cors: { origins: ['https://app.example.com'] } };
 * ```
 */
export interface GuardOptions {
  readonly authorize: Authorize;
  /** The CORS allow-list; absent: no other origin may call (same-origin pages still can). */
  readonly cors?: CorsOptions | undefined;
  /** The largest request body, in bytes (default {@link defaultMaxBodyBytes}, 256 KiB). */
  readonly maxBodyBytes?: number | undefined;
  /** Streams one client may have open at once (default 4). */
  readonly maxConcurrentStreams?: number | undefined;
  /** The `retry-after` of a 429, in seconds (default 2). */
  readonly retryAfterS?: number | undefined;
  /** Who "one client" is (default: its bearer token, else its remote address). */
  readonly clientKey?: ((request: GuardRequest) => string) | undefined;
}

/**
 * What the guards say of a request: answer the preflight, refuse, or let it through holding a
 * stream slot (`release` it when the stream ends; it may be called more than once).
 * `headers` (CORS's) go on whatever is answered.
 *
 * @example
 * ```ts
 * const admission: Admission = await guards.admit(fromNodeRequest(req), { stream: true });
 * ```
 */
export type Admission =
  | { readonly type: 'preflight'; readonly headers: Readonly<Record<string, string>> }
  | { readonly type: 'refused'; readonly refusal: Refusal; readonly headers: Readonly<Record<string, string>> }
  | {
      readonly type: 'admitted';
      readonly headers: Readonly<Record<string, string>>;
      /** Gives the stream slot back (when the stream ends, however it ends); later calls do nothing. */
      readonly release: () => void;
    };

/**
 * What an endpoint's route asks of the guards.
 *
 * @example
 * ```ts
 * await guards.admit(request, { methods: ['GET'], stream: false }); // GET /v1/models
 * ```
 */
export interface AdmitOptions {
  /** The methods the route serves (default `['POST']`); `OPTIONS` is the preflight. */
  readonly methods?: ReadonlyArray<string>;
  /** Whether the request opens a stream, and so takes a slot (default `true`). */
  readonly stream?: boolean;
}

/**
 * The composed guards.
 *
 * @example
 * ```ts
 * const guards: Guards = createGuards({ authorize: bearerToken('s3cret') });
 * ```
 */
export interface Guards {
  /** Runs the checks on a request; see {@link createGuards} for their order. */
  readonly admit: (request: GuardRequest, options?: AdmitOptions) => Promise<Admission>;
  /** The body limit, for reading the body once admitted. */
  readonly maxBodyBytes: number;
}

const isJson = (contentType: string | null): boolean =>
  contentType !== null && /^application\/json[ \t]*(?:;|$)/i.test(contentType.trim());

const hasBody = (method: string): boolean => method !== 'GET' && method !== 'HEAD';

/**
 * Builds the guards; checks run in this order, and the first that fails answers: CORS origin,
 * method, `authorize`, content type, declared `content-length`, stream slot.
 *
 * @example
 * ```ts
 * const guards = createGuards({ authorize: bearerToken('s3cret'), maxConcurrentStreams: 2 });
 * const admission = await guards.admit(fromWebRequest(request));
 * if (admission.type === 'refused') return refusalResponse(admission.refusal, admission.headers);
 * ```
 */
export const createGuards = (options: GuardOptions): Guards => {
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const retryAfterS = options.retryAfterS ?? 2;
  const limiter = createStreamLimiter(options.maxConcurrentStreams ?? 4);
  const clientKey =
    options.clientKey ??
    ((request: GuardRequest): string => {
      const token = bearerTokenOf(request.headers);
      return token === undefined ? `address:${request.remoteAddress ?? 'unknown'}` : `token:${token}`;
    });
  const authorized = async (request: GuardRequest): Promise<boolean> => {
    try {
      return (await options.authorize(request)) === true;
    } catch {
      return false;
    }
  };

  const admit = async (request: GuardRequest, admitOptions: AdmitOptions = {}): Promise<Admission> => {
    const methods = admitOptions.methods ?? ['POST'];
    const cors = checkOrigin(options.cors, request);
    const refuse = (refusal: Refusal): Admission => ({ type: 'refused', refusal, headers: cors.headers });
    if (cors.type === 'refused') return refuse(forbiddenOrigin());
    if (request.method === 'OPTIONS')
      return cors.type === 'allowed'
        ? { type: 'preflight', headers: { ...cors.headers, ...preflightHeaders(options.cors, methods) } }
        : refuse(methodNotAllowed([...methods, 'OPTIONS']));
    if (!methods.includes(request.method)) return refuse(methodNotAllowed([...methods, 'OPTIONS']));
    if (!(await authorized(request))) return refuse(unauthorized());
    if (hasBody(request.method) && !isJson(request.headers.get('content-type'))) return refuse(unsupportedMediaType());
    const length = request.headers.get('content-length');
    if (length !== null && /^\d+$/.test(length) && Number(length) > maxBodyBytes)
      return refuse(payloadTooLarge(maxBodyBytes));
    if (admitOptions.stream === false) return { type: 'admitted', headers: cors.headers, release: () => {} };
    const release = limiter.acquire(clientKey(request));
    return release === undefined
      ? refuse(tooManyStreams(limiter.limit, retryAfterS))
      : { type: 'admitted', headers: cors.headers, release };
  };

  return { admit, maxBodyBytes };
};
