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
 * http.createServer((req, res) => console.log(fromNodeRequest(req).headers.get('origin')));
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
 *
 * @example
 * ```ts
 * const view = fromWebRequest(new Request('http://localhost/relay', { method: 'POST' }), '127.0.0.1');
 * ```
 */
export const fromWebRequest = (request: Request, remoteAddress?: string): GuardRequest => ({
  method: request.method.toUpperCase(),
  url: request.url,
  headers: request.headers,
  remoteAddress,
});
