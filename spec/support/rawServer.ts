/**
 * A TCP server on 127.0.0.1 that answers each connection's first bytes with a fixed raw HTTP
 * answer, for answers `node:http` cannot write (a 101, interim 1xx, a body delimited by the
 * connection closing). It leaves the socket open unless told to end it.
 *
 * @example
 * ```ts
 * const server = await rawServer('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n');
 * const provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
 * await server.close();
 * ```
 */
import * as net from 'node:net';

/** Starts the server; with `end`, each answer ends its connection. */
export const rawServer = async (
  answer: string,
  end = false,
): Promise<{ readonly endpoint: string; readonly close: () => Promise<void> }> => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', () => (end ? socket.end(answer) : socket.write(answer)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/api/generateStream`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
