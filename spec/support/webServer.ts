/**
 * A real `node:http` server on 127.0.0.1 that serves a Web handler (`Request` → `Response`), the
 * way `@hono/node-server` and Next.js do: the request body is a stream, `request.signal` aborts
 * when the client leaves, the response body is pulled as the socket drains and cancelled when
 * the client leaves.
 *
 * @example
 * ```ts
 * const server = await startWebServer((request) => relay.fetch(request));
 * await fetch(server.origin, { method: 'POST', body: '{}' });
 * await server.close();
 * ```
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';

/** Resolves when `res` drains or closes, leaving no listener behind. */
export const drained = (res: http.ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });

/** A running Web-handler server. */
export interface WebServer {
  readonly origin: string;
  /** Stops listening and destroys every open connection. */
  readonly close: () => Promise<void>;
}

/** Starts a server on an ephemeral port of 127.0.0.1 that answers with `handler`. */
export const startWebServer = async (
  handler: (request: Request, info: { readonly remoteAddress?: string }) => Promise<Response>,
): Promise<WebServer> => {
  const sockets = new Set<Socket>();
  const server = http.createServer(async (req, res) => {
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    const headers = new Headers();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
      headers.append(req.rawHeaders[i] ?? '', req.rawHeaders[i + 1] ?? '');
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
      signal: controller.signal,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
    } as RequestInit);
    const response = await handler(
      request,
      req.socket.remoteAddress === undefined ? {} : { remoteAddress: req.socket.remoteAddress },
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.flushHeaders();
    if (response.body === null) return void res.end();
    const reader = response.body.getReader();
    res.once('close', () => void reader.cancel().catch(() => {}));
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!res.write(value)) await drained(res);
      }
      res.end();
    } catch {
      res.destroy();
    }
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
