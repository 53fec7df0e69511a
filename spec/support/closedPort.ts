import * as net from 'node:net';

/**
 * A loopback port that nothing listens on (one was bound, then released), for connection-refused
 * paths.
 *
 * @example
 * ```ts
 * const refused = `http://127.0.0.1:${await closedPort()}`;
 * ```
 */
export const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
