/**
 * The options of a relay client, and their validation (pure: nothing is thrown).
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { invalidRequest } from '../core/error.js';
import { validateHeaders, type HeaderRecord } from '../core/headers.js';
import { functionOption, nonNegative, readOptions, type Check, type OptionsRead } from '../core/optionCheck.js';
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

const checkUrl = (path: string, u: unknown): Check<string> => {
  if (typeof u !== 'string' || u.trim() === '')
    return E.left(invalidRequest(path, 'expected the relay’s URL (http: or https:) or, in a browser, a path'));
  if (!URL.canParse(u))
    return URL.canParse(u, 'http://relay.invalid/') ? E.right(u) : E.left(invalidRequest(path, 'not a URL or a path'));
  const url = new URL(u);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return E.left(invalidRequest(path, `expected an http: or https: URL, got ${url.protocol}`));
  if (url.username !== '' || url.password !== '')
    return E.left(invalidRequest(path, 'credentials cannot be part of the URL; send them in `headers`'));
  return E.right(u);
};

const resumeReaders = { maxAttempts: nonNegative, baseDelayMs: nonNegative, maxDelayMs: nonNegative };

const checkResume = (path: string, u: unknown): Check<ResumeOptions> =>
  u === false
    ? E.right({ maxAttempts: 0 })
    : E.map(
        (read: OptionsRead<typeof resumeReaders>): ResumeOptions =>
          Object.fromEntries(Object.entries(read).filter(([, value]) => value !== undefined)),
      )(readOptions(path, u, resumeReaders));

/** Every relay client option and how it is read. */
const readers = {
  url: checkUrl,
  headers: (path: string, u: unknown): Check<HeaderRecord> =>
    u === undefined ? E.right({}) : validateHeaders(u, path),
  fetch: functionOption<FetchFunction>('a function with the signature of fetch'),
  resume: checkResume,
  telemetry: (path: string, u: unknown): Check<TelemetrySettings | undefined> =>
    u === undefined ? E.right(undefined) : readTelemetryOptions(path, u),
};

/**
 * Validates a relay client's options without throwing: the config, or the `InvalidRequest` error
 * that names the first problem (the URL is never repeated in it: it may hold a secret).
 */
export const validateRelayOptions = (u: unknown): Check<RelayConfig> => readOptions('', u, readers);
