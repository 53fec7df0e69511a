/**
 * The options of a provider, and their validation (pure: nothing is thrown).
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';
import type { AxiosInstance } from 'axios';
import { invalidRequest, type YqcloudError } from '../core/error.js';
import { validateHeaders, type HeaderRecord } from '../core/headers.js';
import { redactUrl } from '../core/redact.js';
import { ownSnapshot } from '../core/snapshot.js';
import type { Logger } from '../http/loggingTransport.js';
import type { Transport } from '../http/transport.js';
import { readTelemetryOptions, type TelemetryOptions, type TelemetrySettings } from '../operators/telemetryOptions.js';
import { apiEndpointVariable, environmentVariable, loggerFromEnvironment } from './environment.js';

/**
 * Yqcloud's web site; requests carry it as `origin` and `referer`.
 *
 * @example
 * ```ts
 * defaultHeaders(yqcloudUrl).origin; // 'https://chat9.yqcloud.top'
 * ```
 */
export const yqcloudUrl = 'https://chat9.yqcloud.top';
/**
 * Yqcloud's streaming endpoint.
 *
 * @example
 * ```ts
 * new YqcloudProvider().apiEndpoint === yqcloudApiEndpoint; // true
 * ```
 */
export const yqcloudApiEndpoint = 'https://api.binjie.fun/api/generateStream';
/**
 * The default bound on a response body: 8 MiB.
 *
 * @example
 * ```ts
 * new YqcloudProvider({ maxResponseBytes: 4 * defaultMaxResponseBytes });
 * ```
 */
export const defaultMaxResponseBytes = 8 * 1024 * 1024;

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
   * `YQCLOUD_API_ENDPOINT` environment variable where there is one, else the real service.
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
   * Replaces the HTTP layer (request → response events). `yqcloud-rx/testing` plugs in here;
   * most users never set it.
   */
  readonly transport?: Transport | undefined;
  /** The clock for new conversations' ids (default `Date.now`). */
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
 *
 * @example
 * ```ts
 * const config = validateProviderOptions({ keepAlive: false });
 * pipe(config, E.map((c: ProviderConfig) => c.maxResponseBytes)); // right(8388608)
 * ```
 */
export interface ProviderConfig {
  readonly apiEndpoint: string;
  readonly headers: HeaderRecord;
  readonly axios: AxiosInstance | undefined;
  readonly ca: string | Uint8Array | undefined;
  readonly maxResponseBytes: number;
  readonly keepAlive: boolean;
  readonly transport: Transport | undefined;
  readonly now: () => number;
  readonly logger: Logger | undefined;
  readonly telemetry: TelemetrySettings | undefined;
}

const optionKeys: ReadonlySet<string> = new Set([
  'apiEndpoint',
  'headers',
  'axios',
  'ca',
  'maxResponseBytes',
  'keepAlive',
  'transport',
  'now',
  'logger',
  'telemetry',
]);

type Check<A> = E.Either<YqcloudError, A>;

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

const optionalOf =
  <A>(path: string, expected: string, guard: (u: unknown) => u is A) =>
  (u: unknown): Check<A | undefined> =>
    u === undefined || guard(u) ? E.right(u as A | undefined) : E.left(invalidRequest(path, `expected ${expected}`));

const isBoolean = (u: unknown): u is boolean => typeof u === 'boolean';
const isFunction = (u: unknown): u is (...args: ReadonlyArray<never>) => unknown => typeof u === 'function';
const isPositiveInteger = (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u > 0;
const isAxios = (u: unknown): u is AxiosInstance =>
  (typeof u === 'function' || (typeof u === 'object' && u !== null)) &&
  typeof (u as { request?: unknown }).request === 'function';
const isLogger = (u: unknown): u is Logger =>
  typeof u === 'object' && u !== null && typeof (u as { debug?: unknown }).debug === 'function';
const isCa = (u: unknown): u is string | Uint8Array =>
  (typeof u === 'string' && u.includes('-----BEGIN')) || u instanceof Uint8Array;

/**
 * Validates provider options without throwing: defaults filled, or an `InvalidRequest` error.
 * The options are read once, through their own properties only (see `ownSnapshot`).
 *
 * @example
 * ```ts
 * validateProviderOptions({ maxResponseBytes: 0 });
 * // left(InvalidRequest 'maxResponseBytes: expected a positive integer')
 * ```
 */
export const validateProviderOptions = (u: unknown): Check<ProviderConfig> => {
  if (u === undefined) return validateProviderOptions({});
  if (typeof u !== 'object' || u === null || Array.isArray(u))
    return E.left(invalidRequest('', 'provider options must be an object'));
  return pipe(
    ownSnapshot(u),
    E.mapLeft((e) => invalidRequest('', `provider options ${e.message}`)),
    E.map((o) => o as Readonly<Record<string, unknown>>),
    E.filterOrElse(
      (o) => Object.keys(o).every((key) => optionKeys.has(key)),
      (o) =>
        invalidRequest(
          Object.keys(o).find((key) => !optionKeys.has(key)) ?? '',
          `unknown provider option; the options are ${[...optionKeys].join(', ')}`,
        ),
    ),
    E.chain((o) =>
      pipe(
        E.Do,
        E.apS(
          'apiEndpoint',
          o.apiEndpoint === undefined
            ? checkEndpoint(environmentVariable(apiEndpointVariable), `${apiEndpointVariable} (environment)`)
            : checkEndpoint(o.apiEndpoint),
        ),
        E.apS('headers', o.headers === undefined ? E.right({}) : validateHeaders(o.headers)),
        E.apS('axios', optionalOf('axios', 'an axios instance', isAxios)(o.axios)),
        E.apS('ca', optionalOf('ca', 'a PEM certificate string or bytes', isCa)(o.ca)),
        E.apS(
          'maxResponseBytes',
          optionalOf('maxResponseBytes', 'a positive integer', isPositiveInteger)(o.maxResponseBytes),
        ),
        E.apS('keepAlive', optionalOf('keepAlive', 'a boolean', isBoolean)(o.keepAlive)),
        E.apS('transport', optionalOf('transport', 'a function', isFunction)(o.transport)),
        E.apS('now', optionalOf('now', 'a function returning epoch milliseconds', isFunction)(o.now)),
        E.apS('logger', optionalOf('logger', 'an object with a debug method', isLogger)(o.logger)),
        E.apS(
          'telemetry',
          o.telemetry === undefined ? E.right(undefined) : readTelemetryOptions('telemetry', o.telemetry),
        ),
        E.map(
          (c): ProviderConfig => ({
            apiEndpoint: c.apiEndpoint,
            headers: c.headers,
            axios: c.axios,
            ca: c.ca,
            maxResponseBytes: c.maxResponseBytes ?? defaultMaxResponseBytes,
            keepAlive: c.keepAlive ?? true,
            transport: c.transport as Transport | undefined,
            now: (c.now as (() => number) | undefined) ?? Date.now,
            logger: c.logger ?? loggerFromEnvironment(),
            telemetry: c.telemetry,
          }),
        ),
      ),
    ),
  );
};
