/**
 * What the guards read of a request, the same for `node:http` and for Web `Request`s.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';

/**
 * A request as the guards (and an `authorize` hook) see it.
 *
 * @example
 * ```ts
 * const authorize = (request: GuardRequest): boolean => request.headers.get('x-api-key') === 'k';
 * ```
 */
export interface GuardRequest {
  /** Upper case, as sent. */
  readonly method: string;
  /** The path and query (`/relay?x=1`) for `node:http`, the whole URL for a Web `Request`. */
  readonly url: string;
  /** The request's headers (Web `Headers`: case-insensitive `get`). */
  readonly headers: Headers;
  /** The peer's address when known (`node:http` always; Web handlers when the server says). */
  readonly remoteAddress: string | undefined;
}

/**
 * The guard view of a `node:http` request.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 *
 * createServer((req, res) => {
 *   const request = fromNodeRequest(req); // raw headers as Web Headers: get() is case-insensitive
 *   res.end(`${request.method} ${request.url} from ${request.remoteAddress}: ${request.headers.get('User-Agent')}`);
 * });
 * ```
 */
export const fromNodeRequest = (req: IncomingMessage): GuardRequest => {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    // A header name Headers refuses (Node accepts a few more characters) is left out.
    try {
      headers.append(name, value);
    } catch {}
  }
  return {
    method: (req.method ?? '').toUpperCase(),
    url: req.url ?? '',
    headers,
    remoteAddress: req.socket.remoteAddress,
  };
};

/**
 * The guard view of a Web `Request`; `remoteAddress` from the server when it has one (Bun's
 * `server.requestIP`, Deno's `info.remoteAddr`, `@hono/node-server`'s `incoming.socket`).
 */
export const fromWebRequest = (request: Request, remoteAddress?: string): GuardRequest => ({
  method: request.method.toUpperCase(),
  url: request.url,
  headers: request.headers,
  remoteAddress,
});

/**
 * Where a Web handler's request came from, when the server says (Bun's `server.requestIP`,
 * Deno's `info.remoteAddr`); `authorize` returning `true` makes it the client's identity.
 *
 * @example
 * ```ts
 * const info: FetchInfo = { remoteAddress: '203.0.113.7' };
 * ```
 */
export interface FetchInfo {
  readonly remoteAddress?: string | undefined;
}

/**
 * The remote address of a {@link FetchInfo}, read as an own string property only.
 */
export const remoteAddressOf = (info: unknown): string | undefined => {
  if (typeof info !== 'object' || info === null || !Object.hasOwn(info, 'remoteAddress')) return undefined;
  const address: unknown = (info as { readonly remoteAddress?: unknown }).remoteAddress;
  return typeof address === 'string' ? address : undefined;
};
