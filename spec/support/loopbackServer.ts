/**
 * A real `node:http` (or `node:https`) server on 127.0.0.1 for integration tests, which records
 * what it is sent and what happens to its connections.
 *
 * - `requests`: every request, with method, url, lower-case headers, raw headers and the whole
 *   body as text, recorded *before* the handler runs (so the handler can inspect it too);
 * - `connections`: how many TCP connections were accepted (a keep-alive client reuses one);
 * - `socketClosed()`: a promise of the next server-side socket `close` event (create it
 *   *before* doing what should close the socket, then race it with {@link within});
 * - `close()`: stops listening and destroys every connection.
 *
 * The handler writes the response however a test needs (pieces, waits on a {@link gate},
 * `res.socket.destroy()` for a reset, …). A handler that throws or rejects answers 500.
 *
 * @example
 * ```ts
 * const server = await startLoopbackServer((req, res) => res.end('Hello'));
 * const provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
 * await lastValueFrom(provider.create({ messages }).pipe(toArray()));
 * expect(server.requests).to.have.length(1);
 * await server.close();
 * ```
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

/** What the server saw of one request. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  /** Header names in lower case (Node's parsing; repeated headers joined). */
  readonly headers: http.IncomingHttpHeaders;
  /** Names and values as they came off the wire, alternating. */
  readonly rawHeaders: ReadonlyArray<string>;
  /** The body, decoded as UTF-8. */
  readonly body: string;
  /** The index (0-based) of the connection the request came on. */
  readonly connection: number;
}

/** Writes a response; the request's body has already been read into `recorded.body`. */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, recorded: RecordedRequest) => unknown;

/** A running loopback server. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` (or `https://127.0.0.1:<port>` with TLS). */
  readonly origin: string;
  /** `origin` + `/api/generateStream`, the path the service uses. */
  readonly endpoint: string;
  readonly port: number;
  /** Every request received so far, in order. */
  readonly requests: ReadonlyArray<RecordedRequest>;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Server-side sockets that have closed so far. */
  readonly closedConnections: number;
  /** Resolves on the next server-side socket `close` event. */
  readonly socketClosed: () => Promise<void>;
  /** Resolves when the next request has arrived and its body has been read. */
  readonly requestReceived: () => Promise<RecordedRequest>;
  /** Stops listening and destroys every open connection. */
  readonly close: () => Promise<void>;
}

/** TLS material for an https server. */
export interface TlsOptions {
  readonly key: string;
  readonly cert: string;
}

/**
 * Starts a server on an ephemeral port of 127.0.0.1.
 *
 * @example
 * ```ts
 * const server = await startLoopbackServer((_req, res) => res.end('ok'), { tls: { key, cert } });
 * ```
 */
export const startLoopbackServer = async (
  handler: Handler,
  options: { readonly tls?: TlsOptions } = {},
): Promise<LoopbackServer> => {
  const requests: Array<RecordedRequest> = [];
  const sockets = new Set<Socket>();
  const connectionIndex = new WeakMap<Socket, number>();
  let connections = 0;
  let closedConnections = 0;
  let closeWaiters: Array<() => void> = [];
  let requestWaiters: Array<(r: RecordedRequest) => void> = [];

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const pieces: Array<Buffer> = [];
    req.on('data', (piece: Buffer) => pieces.push(piece));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(pieces).toString('utf8'),
        connection: connectionIndex.get(req.socket) ?? -1,
      };
      requests.push(recorded);
      const waiters = requestWaiters;
      requestWaiters = [];
      for (const resolve of waiters) resolve(recorded);
      Promise.resolve()
        .then(() => handler(req, res, recorded))
        .catch((e: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`handler failed: ${String(e)}`);
        });
    });
  };

  const server: http.Server =
    options.tls === undefined ? http.createServer(onRequest) : https.createServer({ ...options.tls }, onRequest);
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket: Socket) => {
    connectionIndex.set(socket, connections);
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      closedConnections += 1;
      const waiters = closeWaiters;
      closeWaiters = [];
      for (const resolve of waiters) resolve();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = options.tls === undefined ? `http://127.0.0.1:${port}` : `https://127.0.0.1:${port}`;

  return {
    origin,
    endpoint: `${origin}/api/generateStream`,
    port,
    requests,
    get connections() {
      return connections;
    },
    get closedConnections() {
      return closedConnections;
    },
    socketClosed: () => new Promise<void>((resolve) => closeWaiters.push(resolve)),
    requestReceived: () => new Promise<RecordedRequest>((resolve) => requestWaiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};

/** A promise the test settles by hand: a server handler awaits `promise`, the test calls `open()`. */
export interface Gate {
  readonly promise: Promise<void>;
  readonly open: () => void;
}

/**
 * A gate a handler can wait on until the test opens it (a signal, not a sleep).
 *
 * @example
 * ```ts
 * const second = gate();
 * // in the handler: res.write('a'); await second.promise; res.end('b');
 * // in the test, once 'a' has arrived: second.open();
 * ```
 */
export const gate = (): Gate => {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
};

/**
 * Races a promise with a deadline: its value, or `'deadline'` if it has not settled within
 * `ms`. A bound on how long a test may wait, not a timing measurement.
 *
 * @example
 * ```ts
 * expect(await within(server.socketClosed(), 500)).to.not.equal('deadline');
 * ```
 */
export const within = async <A>(promise: Promise<A>, ms: number): Promise<A | 'deadline'> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Writes the pieces together: each its own chunk on the wire, all in one write of the socket
 * (corked), so the client reads them at once; then ends the response.
 *
 * @example
 * ```ts
 * startLoopbackServer((_req, res) => writeTogether(res, ['Hel', 'lo']));
 * ```
 */
export const writeTogether = (
  res: http.ServerResponse,
  pieces: ReadonlyArray<string | Uint8Array>,
  headers: http.OutgoingHttpHeaders = { 'content-type': 'text/plain; charset=utf-8' },
): void => {
  res.writeHead(200, headers);
  res.socket?.cork();
  for (const piece of pieces) res.write(piece);
  res.socket?.uncork();
};

/**
 * Writes the pieces one at a time, each in its own write (and so its own chunk on the wire),
 * then ends the response.
 *
 * @example
 * ```ts
 * startLoopbackServer((_req, res) => writePieces(res, ['Hel', 'lo']));
 * ```
 */
export const writePieces = async (
  res: http.ServerResponse,
  pieces: ReadonlyArray<string | Uint8Array>,
  headers: http.OutgoingHttpHeaders = { 'content-type': 'text/plain; charset=utf-8' },
): Promise<void> => {
  res.writeHead(200, headers);
  for (const piece of pieces) {
    await new Promise<void>((resolve, reject) => res.write(piece, (e) => (e ? reject(e) : resolve())));
  }
  res.end();
};
