/**
 * The options of a provider, and their validation (pure: nothing is thrown).
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';
import type { AxiosInstance } from 'axios';
import { invalidRequest } from '../core/error.js';
import { maxTimerMs, optional, readOptions, type Check } from '../core/optionCheck.js';
import { validateHeaders, type HeaderRecord } from '../core/headers.js';
import { redactUrl } from '../core/redact.js';
import { ownSnapshot } from '../core/snapshot.js';
import type { Logger } from '../http/loggingTransport.js';
import type { Transport } from '../http/transport.js';
import { readTelemetryOptions, type TelemetryOptions, type TelemetrySettings } from '../operators/telemetryOptions.js';
import { apiEndpointVariable, environmentVariable, loggerFromEnvironment } from './environment.js';

/**
 * Yqcloud's web site; requests carry it as `origin` and `referer`.
 */
export const yqcloudUrl = 'https://chat9.yqcloud.top';
/**
 * Yqcloud's streaming endpoint.
 */
export const yqcloudApiEndpoint = 'https://api.binjie.fun/api/generateStream';
/**
 * The default bound on a response body: 8 MiB.
 */
export const defaultMaxResponseBytes = 8 * 1024 * 1024;

/**
 * The default deadline for the service's answer (its status line and headers, connection and
 * TLS included): 30 s. A server that accepts the connection and never answers, or a connection
 * that is never accepted, ends in a `Timeout` of phase `first-chunk` instead of waiting forever.
 *
 * @example
 * ```ts
 * new YqcloudProvider({ headersTimeoutMs: 2 * defaultHeadersTimeoutMs });
 * ```
 */
export const defaultHeadersTimeoutMs = 30_000;

/**
 * The default deadline for the first bytes of the reply, from the request: 60 s.
 *
 * @example
 * ```ts
 * new YqcloudProvider({ firstChunkTimeoutMs: 2 * defaultFirstChunkTimeoutMs });
 * ```
 */
export const defaultFirstChunkTimeoutMs = 60_000;

/**
 * How to reach the service. Every option is optional.
 *
 * @example
 * ```ts
 * const options: YqcloudProviderOptions = { apiEndpoint: 'http://127.0.0.1:8080/api/generateStream', keepAlive: true };
 * ```
 */
export interface YqcloudProviderOptions {
  /**
   * Another endpoint (an emulator, a mirror); `http:` or `https:`. Default: the
   * `YQCLOUD_API_ENDPOINT` environment variable where there is one, read when each request is
   * made (so setting it after the import, as dotenv or a test's `before` does, counts), else the
   * real service.
   */
  readonly apiEndpoint?: string | undefined;
  /** Extra headers, merged over the protocol's (names compared without case). */
  readonly headers?: HeaderRecord | undefined;
  /**
   * The axios instance to send with; its interceptors and defaults apply. In Node it must answer
   * with a Node stream (the `http` adapter), or requests fail with `InvalidRequest` (path `axios`).
   */
  readonly axios?: AxiosInstance | undefined;
  /** An extra trusted CA certificate (PEM), added to Node's roots. Verification stays on. */
  readonly ca?: string | Uint8Array | undefined;
  /**
   * The largest body accepted, in bytes (default 8 MiB); past it the stream fails with
   * `ResponseTooLarge`. Also bounds the memory the provider keeps between replies for reuse
   * (at most 32 MiB; `destroy()` drops it).
   */
  readonly maxResponseBytes?: number | undefined;
  /** Reuse connections between requests (default `true`). */
  readonly keepAlive?: boolean | undefined;
  /**
   * The longest wait, from the request, for the service's answer (status line and headers:
   * DNS, connection and TLS included), in milliseconds; default 30 s
   * ({@link defaultHeadersTimeoutMs}), never longer than `firstChunkTimeoutMs`; `0`: no limit.
   * Past it the reply fails with `Timeout` (phase `first-chunk`, which `retryTransient` retries).
   */
  readonly headersTimeoutMs?: number | undefined;
  /**
   * The longest wait, from the request, for the first bytes of the reply, in milliseconds;
   * default 60 s ({@link defaultFirstChunkTimeoutMs}); `0`: no limit. Past it the reply fails
   * with `Timeout` (phase `first-chunk`). Once text flows there is no default deadline: use
   * `withTimeouts({ idleMs, totalMs })` for those.
   */
  readonly firstChunkTimeoutMs?: number | undefined;
  /**
   * Replaces the HTTP layer (request → response events). `yqcloud-rx/testing` plugs in here;
   * most users never set it.
   */
  readonly transport?: Transport | undefined;
  /**
   * A clock for predictable conversation ids in tests: new conversations get `#/chat/<now()>`.
   * By default each gets an unguessable id from a CSPRNG (`Conversation.mintUserId`). Also the
   * clock `Retry-After` dates are read against (default `Date.now`).
   */
  readonly now?: (() => number) | undefined;
  /**
   * Debug lines for each request (method, URL without credentials or query, status, timings;
   * never a body or a header). Default: stderr when `YQCLOUD_RX_LOG=debug`, else none.
   */
  readonly logger?: Logger | undefined;
  /**
   * OpenTelemetry for every reply (a span, the duration and time-to-first-chunk histograms), as
   * `withTelemetry` records it; see docs/observability.md.
   */
  readonly telemetry?: TelemetryOptions | undefined;
}

/**
 * Options after validation, defaults filled.
 */
export interface ProviderConfig {
  /** `undefined`: `YQCLOUD_API_ENDPOINT` when a request is made, else the real service ({@link endpointFromEnvironment}). */
  readonly apiEndpoint: string | undefined;
  readonly headers: HeaderRecord;
  readonly axios: AxiosInstance | undefined;
  readonly ca: string | Uint8Array | undefined;
  readonly maxResponseBytes: number;
  readonly keepAlive: boolean;
  /** `0`: no limit. */
  readonly headersTimeoutMs: number;
  /** `0`: no limit. */
  readonly firstChunkTimeoutMs: number;
  readonly transport: Transport | undefined;
  readonly now: () => number;
  /** The clock new conversations' ids are read from, when one was given (else they are random). */
  readonly idClock: (() => number) | undefined;
  readonly logger: Logger | undefined;
  readonly telemetry: TelemetrySettings | undefined;
}

const checkEndpoint = (u: unknown, path = 'apiEndpoint'): Check<string> => {
  if (u === undefined) return E.right(yqcloudApiEndpoint);
  if (typeof u !== 'string') return E.left(invalidRequest(path, 'expected a URL string'));
  return pipe(
    E.tryCatch(
      () => new URL(u),
      () => invalidRequest(path, `not a URL: ${JSON.stringify(redactUrl(u))}`),
    ),
    E.filterOrElse(
      (url) => url.protocol === 'http:' || url.protocol === 'https:',
      (url) => invalidRequest(path, `expected an http: or https: URL, got ${url.protocol}`),
    ),
    E.map(() => u),
  );
};

/**
 * The endpoint a provider given no `apiEndpoint` sends to now: `YQCLOUD_API_ENDPOINT` where it
 * is set, else the real service; an `InvalidRequest` naming the variable when it is not an
 * http(s) URL.
 */
export const endpointFromEnvironment = (): Check<string> =>
  checkEndpoint(environmentVariable(apiEndpointVariable), `${apiEndpointVariable} (environment)`);

const isBoolean = (u: unknown): u is boolean => typeof u === 'boolean';
const isFunction = (u: unknown): u is (...args: ReadonlyArray<never>) => unknown => typeof u === 'function';
const isPositiveInteger = (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u > 0;
const isTimerMs = (u: unknown): u is number =>
  typeof u === 'number' && Number.isSafeInteger(u) && u >= 0 && u <= maxTimerMs;
const isAxios = (u: unknown): u is AxiosInstance =>
  (typeof u === 'function' || (typeof u === 'object' && u !== null)) &&
  typeof (u as { request?: unknown }).request === 'function';
const isLogger = (u: unknown): u is Logger =>
  typeof u === 'object' && u !== null && typeof (u as { debug?: unknown }).debug === 'function';
const isCa = (u: unknown): u is string | Uint8Array =>
  (typeof u === 'string' && u.includes('-----BEGIN')) || u instanceof Uint8Array;

const timerMs = optional(`whole milliseconds from 0 (no limit) to ${maxTimerMs}`, isTimerMs);

/** Every provider option and how it is read. */
const readers = {
  apiEndpoint: (path: string, u: unknown): Check<string | undefined> =>
    u === undefined ? E.right(undefined) : checkEndpoint(u, path),
  headers: (path: string, u: unknown): Check<HeaderRecord> =>
    u === undefined ? E.right({}) : validateHeaders(u, path),
  axios: optional('an axios instance', isAxios),
  ca: optional('a PEM certificate string or bytes', isCa),
  maxResponseBytes: optional('a positive integer', isPositiveInteger),
  keepAlive: optional('a boolean', isBoolean),
  headersTimeoutMs: timerMs,
  firstChunkTimeoutMs: timerMs,
  transport: optional('a function', isFunction),
  now: optional('a function returning epoch milliseconds', isFunction),
  logger: optional('an object with a debug method', isLogger),
  telemetry: (path: string, u: unknown): Check<TelemetrySettings | undefined> =>
    u === undefined ? E.right(undefined) : readTelemetryOptions(path, u),
};

/**
 * Validates provider options without throwing: defaults filled, or an `InvalidRequest` error.
 * The options are read once, through their own properties only (see `ownSnapshot`).
 */
export const validateProviderOptions = (u: unknown): Check<ProviderConfig> => {
  if (u === undefined) return validateProviderOptions({});
  if (typeof u !== 'object' || u === null || Array.isArray(u))
    return E.left(invalidRequest('', 'provider options must be an object'));
  return pipe(
    ownSnapshot(u),
    E.mapLeft((e) => invalidRequest('', `provider options ${e.message}`)),
    E.chain((snapshot) => readOptions('', snapshot, readers)),
    E.map(
      (c): ProviderConfig => ({
        apiEndpoint: c.apiEndpoint,
        headers: c.headers,
        axios: c.axios,
        ca: c.ca,
        maxResponseBytes: c.maxResponseBytes ?? defaultMaxResponseBytes,
        keepAlive: c.keepAlive ?? true,
        headersTimeoutMs: c.headersTimeoutMs ?? defaultHeadersTimeoutMs,
        firstChunkTimeoutMs: c.firstChunkTimeoutMs ?? defaultFirstChunkTimeoutMs,
        transport: c.transport as Transport | undefined,
        now: (c.now as (() => number) | undefined) ?? Date.now,
        idClock: c.now as (() => number) | undefined,
        logger: c.logger ?? loggerFromEnvironment(),
        telemetry: c.telemetry,
      }),
    ),
  );
};
