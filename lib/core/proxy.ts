/**
 * Proxy URLs: parsing, the schemes we support, and a form safe to print.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';
import { invalidRequest, type YqcloudError } from './error.js';

/**
 * The proxy schemes the HTTP layer can tunnel through.
 *
 * @example
 * ```ts
 * const protocol: ProxyProtocol = 'socks5';
 * ```
 */
export type ProxyProtocol = 'http' | 'https' | 'socks4' | 'socks4a' | 'socks5' | 'socks5h';

const protocols: ReadonlyArray<ProxyProtocol> = ['http', 'https', 'socks4', 'socks4a', 'socks5', 'socks5h'];

/**
 * A parsed proxy URL. `url` holds the credentials; print `redacted` instead.
 *
 * @example
 * ```ts
 * pipe(parseProxy('http://bob:pw@127.0.0.1:3128'), E.map((p: ProxyConfig) => p.redacted));
 * // right('http://***@127.0.0.1:3128')
 * ```
 */
export interface ProxyConfig {
  readonly protocol: ProxyProtocol;
  /** The URL as given, credentials included: hand it to an agent, never to a log. */
  readonly url: string;
  /** `scheme://host:port`, with `***@` where the URL had credentials: safe to print. */
  readonly redacted: string;
  readonly host: string;
  readonly port: number;
  /** The `user:password` of the URL, decoded, when it has one. */
  readonly credentials: readonly [string, string] | undefined;
}

const defaultPorts: Readonly<Record<ProxyProtocol, number>> = {
  http: 80,
  https: 443,
  socks4: 1080,
  socks4a: 1080,
  socks5: 1080,
  socks5h: 1080,
};

const isProtocol = (s: string): s is ProxyProtocol => (protocols as ReadonlyArray<string>).includes(s);

/** A credential's `%`-escapes decoded; a broken one (`%zz`, `%E0%A4%A`, a lone `%`) is refused. */
const decodeCredential = (part: 'user' | 'password', s: string): E.Either<YqcloudError, string> =>
  E.tryCatch(
    () => decodeURIComponent(s),
    // The credential is not echoed.
    () => invalidRequest('proxy', `the proxy ${part} holds a broken %-escape; write a literal % as %25`),
  );

/**
 * The URL without its credentials. When the input has an `@` and the parser found a path, query
 * or fragment, an unencoded `/`, `?` or `#` in the password may have cut it short, and what the
 * parser calls the host may be the user and the start of the password: then nothing of the
 * authority is shown.
 */
const printable = (input: string, url: URL): string =>
  input.includes('@') && ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '')
    ? `${url.protocol}//***`
    : `${url.protocol}//${url.username === '' && url.password === '' ? '' : '***@'}${url.host}`;

/**
 * Parses a proxy URL such as `http://user:pass@host:3128` or `socks5://host:1080`.
 */
export const parseProxy = (input: string): E.Either<YqcloudError, ProxyConfig> =>
  pipe(
    E.tryCatch(
      () => new URL(input),
      // The input is not echoed: where its credentials end cannot be known for sure.
      () => invalidRequest('proxy', 'not a URL; expected scheme://[user:password@]host:port'),
    ),
    E.chain((url) => {
      const scheme = url.protocol.replace(/:$/, '');
      const redacted = printable(input, url);
      if (!isProtocol(scheme))
        return E.left(
          invalidRequest(
            'proxy',
            `unsupported proxy scheme "${scheme}" in ${redacted}; use one of ${protocols.join(', ')}`,
          ),
        );
      if (url.hostname === '') return E.left(invalidRequest('proxy', `no host in ${redacted}`));
      if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '')
        return E.left(invalidRequest('proxy', `a proxy URL has no path, query or fragment: ${redacted}`));
      const credentials: E.Either<YqcloudError, readonly [string, string] | undefined> =
        url.username === '' && url.password === ''
          ? E.right(undefined)
          : pipe(
              E.Do,
              E.apS('user', decodeCredential('user', url.username)),
              E.apS('password', decodeCredential('password', url.password)),
              E.map(({ user, password }) => [user, password] as const),
            );
      return pipe(
        credentials,
        E.map(
          (decoded): ProxyConfig => ({
            protocol: scheme,
            url: input,
            redacted,
            host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
            port: url.port === '' ? defaultPorts[scheme] : Number(url.port),
            credentials: decoded,
          }),
        ),
      );
    }),
  );
