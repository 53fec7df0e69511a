/**
 * A real `redis-server` (Debian's package, 7.0) for the specs: on a free loopback port, in a
 * temporary directory, with no persistence (`--save ''`, `--appendonly no`), ended by its PID.
 * `kill()` ends it as a crash would (SIGKILL), `restart()` starts it again on the same port (with
 * no data: nothing was persisted), so a spec can take Redis away in the middle of a reply.
 *
 * The binary is looked up by `findRedisServer` (`REDIS_SERVER`, then the PATH, then
 * `/usr/bin/redis-server`); `tools/ensureRedisServer.mjs` (npm `pretest`) installs it before the run when it is
 * missing and the run is root's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** One `redis-server` process of a spec. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` (with `password` as userinfo when one was asked for). */
  readonly url: string;
  readonly port: number;
  /** The PID of the running process (`undefined` while it is killed). */
  readonly pid: () => number | undefined;
  /** Ends the process with SIGKILL (as a crash would) and waits until it has exited. */
  readonly kill: () => Promise<void>;
  /** Starts it again on the same port, empty; resolves once it accepts connections. */
  readonly restart: () => Promise<void>;
  /** Ends it (SIGTERM, then SIGKILL after 2 s) and removes its directory. */
  readonly stop: () => Promise<void>;
}

/** Where `redis-server` is on this machine, or `undefined`. */
export const findRedisServer = (): string | undefined => {
  const candidates = [
    process.env.REDIS_SERVER,
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'redis-server')),
    '/usr/bin/redis-server',
  ];
  return candidates.find((file): file is string => {
    if (file === undefined || file === '') return false;
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.end('PING\r\n');
      socket.once('data', (data) => {
        socket.destroy();
        resolve(/^[+-]/.test(data.toString('latin1')));
      });
    });
    socket.once('error', () => resolve(false));
  });

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

/**
 * Starts `redis-server` on a free loopback port; rejects, saying what to install, when there is
 * none. `password` sets `requirepass` (and goes into `url`).
 */
export const startRedisServer = async (options: { readonly password?: string } = {}): Promise<RedisServer> => {
  const binary = findRedisServer();
  if (binary === undefined)
    throw new Error(
      'redis-server is not installed: `apt-get install -y redis-server` (as root), or set REDIS_SERVER to its path (README: Running the tests)',
    );
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'yqcloud-rx-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    ...(options.password === undefined ? [] : ['--requirepass', options.password]),
  ];
  let child: ChildProcess | undefined;
  let stderr = '';

  const launch = async (): Promise<void> => {
    stderr = '';
    const started = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    started.stderr?.on('data', (piece: Buffer) => {
      stderr = (stderr + piece.toString('utf8')).slice(-2000);
    });
    child = started;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (started.exitCode !== null) break;
      if (await accepts(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    started.kill('SIGKILL');
    throw new Error(`redis-server did not start on port ${port}: ${stderr}`);
  };

  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined) return;
    running.kill('SIGKILL');
    await exited(running);
  };

  await launch();
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    pid: () => child?.pid,
    kill,
    restart: launch,
    stop: async () => {
      const running = child;
      child = undefined;
      if (running !== undefined) {
        running.kill('SIGTERM');
        const timer = setTimeout(() => running.kill('SIGKILL'), 2000);
        await exited(running);
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

/**
 * One `redis-server` for the enclosing `describe`: started in `before`, stopped in `after`;
 * the returned function gives it to the tests.
 */
export const useRedisServer = (options: { readonly password?: string } = {}): (() => RedisServer) => {
  let server: RedisServer | undefined;
  before(async () => {
    server = await startRedisServer(options);
  });
  after(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('redis-server is not running (its before hook failed)');
    return server;
  };
};
