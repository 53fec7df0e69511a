/**
 * The options of a relay client, and their validation (pure: nothing is thrown).
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';
import { invalidRequest, type YqcloudError } from '../core/error.js';
import { validateHeaders } from '../core/headers.js';
import type { FetchFunction } from '../http/webFetchTransport.js';
import type { ResumeOptions } from './resumeOnDrop.js';
import { readTelemetryOptions, type TelemetryOptions, type TelemetrySettings } from '../operators/telemetryOptions.js';

/**
 * Where a relay is and how to call it.
 *
 * @example
 * ```ts
 * const options: RelayProviderOptions = { url: '/api/chat', headers: { authorization: 'Bearer demo-token' } };
 * ```
 */
export interface RelayProviderOptions {
  /**
   * The relay's address: an `http:` or `https:` URL, or in a browser a path such as `/api/chat`
   * (resolved against the page). No user or password in it: put credentials in `headers`.
   */
  readonly url: string;
  /** Extra headers, such as `authorization: Bearer …`; `content-type` and `accept` are the protocol's. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** The `fetch` to send with (default: the global one). */
  readonly fetch?: FetchFunction | undefined;
  /**
   * How a reply is resumed when the connection drops mid-reply (a relay that keeps replies
   * answers `Last-Event-ID`): `{ maxAttempts?, baseDelayMs?, maxDelayMs? }` (defaults 5, 250,
   * 4 000), or `false` never to resume.
   */
  readonly resume?: Pick<ResumeOptions, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs'> | false | undefined;
  /**
   * OpenTelemetry for every reply (a span, the duration and time-to-first-chunk histograms), as
   * `withTelemetry` records it; see docs/observability.md.
   */
  readonly telemetry?: TelemetryOptions | undefined;
}

/**
 * Options after validation.
 */
export interface RelayConfig {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch: FetchFunction | undefined;
  readonly resume: ResumeOptions;
  readonly telemetry: TelemetrySettings | undefined;
}

const optionKeys: ReadonlySet<string> = new Set(['url', 'headers', 'fetch', 'resume', 'telemetry']);

type Check<A> = E.Either<YqcloudError, A>;

const absolute = (u: string): URL | undefined => (URL.canParse(u) ? new URL(u) : undefined);

const checkUrl = (u: unknown): Check<string> => {
  if (typeof u !== 'string' || u.trim() === '')
    return E.left(invalidRequest('url', 'expected the relay’s URL (http: or https:) or, in a browser, a path'));
  const url = absolute(u);
  if (url === undefined)
    return URL.canParse(u, 'http://relay.invalid/') ? E.right(u) : E.left(invalidRequest('url', 'not a URL or a path'));
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return E.left(invalidRequest('url', `expected an http: or https: URL, got ${url.protocol}`));
  if (url.username !== '' || url.password !== '')
    return E.left(invalidRequest('url', 'credentials cannot be part of the URL; send them in `headers`'));
  return E.right(u);
};

const checkFetch = (u: unknown): Check<FetchFunction | undefined> =>
  u === undefined || typeof u === 'function'
    ? E.right(u as FetchFunction | undefined)
    : E.left(invalidRequest('fetch', 'expected a function with the signature of fetch'));

const resumeKeys = ['maxAttempts', 'baseDelayMs', 'maxDelayMs'] as const;

const checkResume = (u: unknown): Check<ResumeOptions> => {
  if (u === undefined) return E.right({});
  if (u === false) return E.right({ maxAttempts: 0 });
  if (typeof u !== 'object' || u === null || Array.isArray(u))
    return E.left(invalidRequest('resume', 'expected { maxAttempts?, baseDelayMs?, maxDelayMs? } or false'));
  const own = Object.fromEntries(Object.entries(u));
  const unknownKey = Object.keys(own).find((key) => !(resumeKeys as ReadonlyArray<string>).includes(key));
  if (unknownKey !== undefined)
    return E.left(invalidRequest(`resume.${unknownKey}`, `unknown option; the options are ${resumeKeys.join(', ')}`));
  const bad = resumeKeys.find((key) => {
    const value: unknown = own[key];
    return value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0);
  });
  if (bad !== undefined) return E.left(invalidRequest(`resume.${bad}`, 'expected a number, 0 or more'));
  return E.right(
    Object.fromEntries(
      resumeKeys.filter((key) => own[key] !== undefined).map((key) => [key, own[key]]),
    ) as ResumeOptions,
  );
};

/**
 * Validates a relay client's options without throwing: the config, or the `InvalidRequest` error
 * that names the first problem (the URL is never repeated in it: it may hold a secret).
 */
export const validateRelayOptions = (u: unknown): Check<RelayConfig> =>
  pipe(
    E.tryCatch(
      (): Check<Readonly<Record<string, unknown>>> => {
        if (typeof u !== 'object' || u === null || Array.isArray(u))
          return E.left(invalidRequest('', 'expected the relay client’s options, an object with `url`'));
        const own = Object.fromEntries(Object.entries(u));
        const unknownKey = Object.keys(own).find((key) => !optionKeys.has(key));
        return unknownKey === undefined
          ? E.right(own)
          : E.left(invalidRequest(unknownKey, `unknown option; the options are ${[...optionKeys].join(', ')}`));
      },
      (): YqcloudError => invalidRequest('', 'the options could not be read'),
    ),
    E.flatten,
    E.bindTo('own'),
    E.bind('url', ({ own }) => checkUrl(own.url)),
    E.bind('headers', ({ own }) => (own.headers === undefined ? E.right({}) : validateHeaders(own.headers))),
    E.bind('fetch', ({ own }) => checkFetch(own.fetch)),
    E.bind('resume', ({ own }) => checkResume(own.resume)),
    E.bind('telemetry', ({ own }) =>
      own.telemetry === undefined ? E.right(undefined) : readTelemetryOptions('telemetry', own.telemetry),
    ),
    E.map(({ url, headers, fetch, resume, telemetry }): RelayConfig => ({ url, headers, fetch, resume, telemetry })),
  );
