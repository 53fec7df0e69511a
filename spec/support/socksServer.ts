/**
 * A small SOCKS server on 127.0.0.1 for the proxy specs (no SOCKS server package is installed;
 * `socks` is a client): SOCKS5 (RFC 1928) with username/password authentication (RFC 1929) and
 * SOCKS4/4a, CONNECT only. It records every tunnel it opened and pipes bytes both ways.
 *
 * @example
 * ```ts
 * const socks = await startSocksServer({ user: 'user', password: 'pw' });
 * provider.create({ messages, proxy: `socks5://user:pw@127.0.0.1:${socks.port}` });
 * expect(socks.tunnels).to.deep.equal([{ version: 5, user: 'user', target: `127.0.0.1:${port}` }]);
 * await socks.close();
 * ```
 */
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

/** One CONNECT the server carried out. */
export interface SocksTunnel {
  readonly version: 4 | 5;
  /** The SOCKS5 username, or the SOCKS4 user id. */
  readonly user: string;
  /** `host:port` as the client asked for it. */
  readonly target: string;
}

/** A running SOCKS server. */
export interface SocksServer {
  readonly port: number;
  /** Client connections accepted. */
  readonly connections: number;
  /** Tunnels opened, in order. */
  readonly tunnels: ReadonlyArray<SocksTunnel>;
  /** Handshakes refused (bad credentials, unsupported command). */
  readonly refusals: number;
  readonly close: () => Promise<void>;
}

/** What the server accepts: with `user` and `password`, SOCKS5 clients must authenticate. */
export interface SocksServerOptions {
  readonly user?: string;
  readonly password?: string;
}

interface Reader {
  readonly bytes: (n: number) => Promise<Buffer>;
  readonly untilZero: () => Promise<Buffer>;
  /** Stops reading and hands back what was read past the handshake. */
  readonly release: () => Buffer;
}

const readerOf = (socket: net.Socket): Reader => {
  let buffered = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let closed = false;
  const onData = (data: Buffer): void => {
    buffered = Buffer.concat([buffered, data]);
    wake?.();
  };
  const onClose = (): void => {
    closed = true;
    wake?.();
  };
  socket.on('data', onData);
  socket.once('close', onClose);
  const more = async (): Promise<void> => {
    if (closed) throw new Error('the client closed the connection mid-handshake');
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  };
  return {
    bytes: async (n) => {
      while (buffered.length < n) await more();
      const out = buffered.subarray(0, n);
      buffered = buffered.subarray(n);
      return out;
    },
    untilZero: async () => {
      let end = buffered.indexOf(0);
      while (end < 0) {
        await more();
        end = buffered.indexOf(0);
      }
      const out = buffered.subarray(0, end);
      buffered = buffered.subarray(end + 1);
      return out;
    },
    release: () => {
      socket.pause();
      socket.off('data', onData);
      socket.off('close', onClose);
      return buffered;
    },
  };
};

/**
 * Starts a SOCKS server on an ephemeral port of 127.0.0.1.
 *
 * @example
 * ```ts
 * const socks = await startSocksServer();
 * ```
 */
export const startSocksServer = async (options: SocksServerOptions = {}): Promise<SocksServer> => {
  const tunnels: Array<SocksTunnel> = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let refusals = 0;
  const wantsAuth = options.user !== undefined && options.password !== undefined;

  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };

  const refuse = (socket: net.Socket, reply: Buffer): void => {
    refusals += 1;
    socket.end(reply);
  };

  /** Connects to the target, answers the client, then pipes both ways. */
  const tunnel = (
    client: net.Socket,
    reader: Reader,
    record: SocksTunnel,
    host: string,
    port: number,
    reply: (ok: boolean) => Buffer,
  ): void => {
    const upstream = net.connect(port, host);
    track(upstream);
    upstream.once('connect', () => {
      tunnels.push(record);
      client.write(reply(true));
      const rest = reader.release();
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    upstream.once('error', () => refuse(client, reply(false)));
  };

  const socks5 = async (client: net.Socket, reader: Reader): Promise<void> => {
    const [count = 0] = await reader.bytes(1);
    const methods = [...(await reader.bytes(count))];
    const method = wantsAuth ? 0x02 : 0x00;
    if (!methods.includes(method)) return refuse(client, Buffer.from([5, 0xff]));
    client.write(Buffer.from([5, method]));
    let user = '';
    if (wantsAuth) {
      await reader.bytes(1);
      const [userLength = 0] = await reader.bytes(1);
      user = (await reader.bytes(userLength)).toString('utf8');
      const [passwordLength = 0] = await reader.bytes(1);
      const password = (await reader.bytes(passwordLength)).toString('utf8');
      if (user !== options.user || password !== options.password) return refuse(client, Buffer.from([1, 1]));
      client.write(Buffer.from([1, 0]));
    }
    const [, command, , addressType] = await reader.bytes(4);
    const host =
      addressType === 1
        ? [...(await reader.bytes(4))].join('.')
        : addressType === 3
          ? (await reader.bytes((await reader.bytes(1))[0] ?? 0)).toString('utf8')
          : ((await reader.bytes(16)).toString('hex').match(/.{4}/g) ?? []).join(':');
    const port = (await reader.bytes(2)).readUInt16BE(0);
    const reply = (ok: boolean): Buffer => Buffer.from([5, ok ? 0 : 5, 0, 1, 0, 0, 0, 0, 0, 0]);
    if (command !== 1) return refuse(client, Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]));
    tunnel(client, reader, { version: 5, user, target: `${host}:${port}` }, host, port, reply);
  };

  const socks4 = async (client: net.Socket, reader: Reader): Promise<void> => {
    const head = await reader.bytes(7);
    const command = head[0];
    const port = head.readUInt16BE(1);
    const ip = [...head.subarray(3, 7)];
    const user = (await reader.untilZero()).toString('utf8');
    const isSocks4a = ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0;
    const host = isSocks4a ? (await reader.untilZero()).toString('utf8') : ip.join('.');
    const reply = (ok: boolean): Buffer => Buffer.from([0, ok ? 0x5a : 0x5b, 0, 0, 0, 0, 0, 0]);
    if (command !== 1) return refuse(client, reply(false));
    tunnel(client, reader, { version: 4, user, target: `${host}:${port}` }, host, port, reply);
  };

  const server = net.createServer((client) => {
    connections += 1;
    track(client);
    const reader = readerOf(client);
    reader
      .bytes(1)
      .then(([version]) =>
        version === 5
          ? socks5(client, reader)
          : version === 4
            ? socks4(client, reader)
            : refuse(client, Buffer.alloc(0)),
      )
      .catch(() => client.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    get connections() {
      return connections;
    },
    tunnels,
    get refusals() {
      return refusals;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
