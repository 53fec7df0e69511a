/**
 * A real forward proxy on 127.0.0.1 (the `proxy` package), HTTP or HTTPS, that wants
 * `user:${password}` as basic auth and records what it forwarded and tunnelled.
 *
 * @example
 * ```ts
 * const proxy = await startForwardProxy();
 * provider.create({ messages, proxy: proxy.url('user', password) });
 * expect(proxy.forwarded).to.deep.equal([`POST ${server.endpoint}`]);
 * await proxy.close();
 * ```
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createProxy } from 'proxy';

/** The password the proxy wants (user `user`). */
export const password = 's3cr3t-pw';

/** A running forward proxy. */
export interface ForwardProxy {
  readonly url: (user: string, pass: string) => string;
  /** Absolute-URI requests (`POST http://…`) the proxy received. */
  readonly forwarded: Array<string>;
  /** CONNECT tunnels the proxy was asked for. */
  readonly tunnels: Array<string>;
  readonly close: () => Promise<void>;
}

/** A real forward proxy (the `proxy` package) that wants `user:${password}` as basic auth. */
export const startForwardProxy = async (tls?: {
  readonly key: string;
  readonly cert: string;
}): Promise<ForwardProxy> => {
  const forwarded: Array<string> = [];
  const tunnels: Array<string> = [];
  const server = createProxy(tls === undefined ? http.createServer() : https.createServer({ ...tls }));
  // CONNECT tunnels leave the HTTP server's bookkeeping, so close() destroys every socket itself.
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.authenticate = (req) =>
    req.headers['proxy-authorization'] === `Basic ${Buffer.from(`user:${password}`).toString('base64')}`;
  server.prependListener('request', (req: http.IncomingMessage) => forwarded.push(`${req.method} ${req.url}`));
  server.prependListener('connect', (req: http.IncomingMessage) => tunnels.push(req.url ?? ''));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (user, pass) => `${tls === undefined ? 'http' : 'https'}://${user}:${pass}@127.0.0.1:${port}`,
    forwarded,
    tunnels,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
