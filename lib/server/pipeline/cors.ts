/**
 * The CORS allow-list: which pages on other origins may call an endpoint. No `*` unless asked for.
 *
 * @module
 */
import type { GuardRequest } from './request.js';

/**
 * Which origins may call, and what their preflight is told.
 *
 * @example
 * ```ts
 * const cors: CorsOptions = { origins: ['https://app.example.com', 'http://localhost:5173'] };
 * ```
 */
export interface CorsOptions {
  /**
   * Exact origins (`https://app.example.com`, no trailing slash), a predicate, or `'*'` to let
   * any page call (then `authorize` alone stands between the internet and the service).
   */
  readonly origins: ReadonlyArray<string> | ((origin: string) => boolean) | '*';
  /** Request headers a page may send (default `authorization, content-type, accept, last-event-id`). */
  readonly allowHeaders?: ReadonlyArray<string>;
  /** Response headers a page may read (default `retry-after, www-authenticate, x-reply-id`). */
  readonly exposeHeaders?: ReadonlyArray<string>;
  /** How long a browser may cache a preflight, in seconds (default 600). */
  readonly maxAgeS?: number;
}

/**
 * What the CORS check says of one request: not a CORS request (no `Origin`), an allowed origin
 * with the headers to add to the answer, or a refused origin.
 *
 * @example
 * ```ts
 * const page = new Request('http://localhost/relay', { headers: { origin: 'https://evil.example' } });
 * const verdict: CorsVerdict = checkOrigin({ origins: ['https://app.example.com'] }, fromWebRequest(page));
 * if (verdict.type === 'refused') forbiddenOrigin().status; // 403; the answer carries verdict.headers (vary: Origin)
 * ```
 */
export type CorsVerdict =
  | { readonly type: 'no-origin'; readonly headers: Readonly<Record<string, string>> }
  | { readonly type: 'allowed'; readonly origin: string; readonly headers: Readonly<Record<string, string>> }
  | { readonly type: 'refused'; readonly headers: Readonly<Record<string, string>> };

const originAllowed = (origins: CorsOptions['origins'], origin: string): boolean =>
  origins === '*' ? true : typeof origins === 'function' ? origins(origin) : origins.includes(origin);

/**
 * Checks the request's `Origin` against the allow-list. Without `cors` options no origin is
 * allowed to read the answers (a same-origin page still can: its browser does not ask), and
 * every answer still carries `Vary: Origin` when CORS is configured so caches keep them apart.
 *
 * @example
 * ```ts
 * const request = fromWebRequest(new Request('http://localhost/relay', { headers: { origin: 'https://a.example' } }));
 * checkOrigin({ origins: ['https://a.example'] }, request).type; // 'allowed'
 * checkOrigin(undefined, request).type; // 'refused': no cors options, no other origin
 * checkOrigin(undefined, fromWebRequest(new Request('http://localhost/relay'))).type; // 'no-origin'
 * ```
 */
export const checkOrigin = (cors: CorsOptions | undefined, request: GuardRequest): CorsVerdict => {
  const vary: Record<string, string> = cors === undefined ? {} : { vary: 'Origin' };
  const origin = request.headers.get('origin');
  if (origin === null) return { type: 'no-origin', headers: vary };
  if (cors === undefined || !originAllowed(cors.origins, origin)) return { type: 'refused', headers: vary };
  return {
    type: 'allowed',
    origin,
    headers: {
      ...vary,
      'access-control-allow-origin': origin,
      'access-control-expose-headers': (cors.exposeHeaders ?? ['retry-after', 'www-authenticate', 'x-reply-id']).join(
        ', ',
      ),
    },
  };
};

/**
 * The headers of the answer to an allowed preflight (`OPTIONS` with `Origin`), on top of
 * {@link checkOrigin}'s.
 *
 * @example
 * ```ts
 * preflightHeaders({ origins: ['https://app.example.com'], maxAgeS: 60 }, ['POST']);
 * // { 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'authorization, content-type, accept, last-event-id',
 * //   'access-control-max-age': '60' }
 * ```
 */
export const preflightHeaders = (
  cors: CorsOptions | undefined,
  methods: ReadonlyArray<string>,
): Readonly<Record<string, string>> => ({
  'access-control-allow-methods': methods.join(', '),
  'access-control-allow-headers': (
    cors?.allowHeaders ?? ['authorization', 'content-type', 'accept', 'last-event-id']
  ).join(', '),
  'access-control-max-age': String(cors?.maxAgeS ?? 600),
});
