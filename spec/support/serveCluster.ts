/**
 * Several `yqcloud-rx serve` processes sharing one Redis, as a cluster behind a load balancer
 * would be: each one the built command line (`yqcloud-rx serve --redis <url>`) in a child
 * process on a free loopback port, all in front of the same service endpoint. A test talks to
 * each instance by its URL (the test is the load balancer) and can kill one (SIGKILL) mid-reply.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type LoopbackServer, startLoopbackServer } from './loopbackServer.js';
import { cliBin } from './runCli.js';

/** One `serve` process. */
export interface ServeInstance {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  readonly output: () => string;
  /** SIGKILL, as a crash; resolves once it has exited. */
  readonly kill: () => Promise<void>;
  /** SIGTERM (a clean shutdown); resolves once it has exited. */
  readonly stop: () => Promise<void>;
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

/**
 * Starts one `serve` with `args` (after `serve --port 0 --host 127.0.0.1`) and `env`; resolves once
 * it prints where it listens, rejects with its output if it exits or takes longer than 20 s.
 */
export const startServe = async (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {},
): Promise<ServeInstance> => {
  let output = '';
  const child = spawn(process.execPath, [cliBin, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.setEncoding('utf8').on('data', (piece: string) => {
    output += piece;
  });
  child.stderr?.setEncoding('utf8').on('data', (piece: string) => {
    output += piece;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start in 20 s:\n${output}`));
    }, 20_000);
    const check = (): void => {
      const found = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (found === undefined) return;
      clearTimeout(timer);
      resolve(found);
    };
    child.stdout?.on('data', check);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`serve exited before listening:\n${output}`));
    });
  });
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited(child);
  };
  return { url, process: child, output: () => output, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
};

/**
 * A stand-in for the service on loopback: each request is answered with `words` words
 * (`w0 w1 … `), one every `intervalMs`, as plain text pieces; the writing stops when the
 * request's socket closes. `text` is the whole reply, as an unbroken stream would give it.
 */
export const startPacedService = async (
  words: number,
  intervalMs: number,
): Promise<LoopbackServer & { readonly text: string; readonly open: () => number }> => {
  let open = 0;
  const server = await startLoopbackServer((req, res) => {
    open += 1;
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    let i = 0;
    const timer = setInterval(() => {
      if (i < words) res.write(`w${i++} `);
      else {
        clearInterval(timer);
        res.end();
      }
    }, intervalMs);
    req.socket.once('close', () => {
      open -= 1;
      clearInterval(timer);
    });
  });
  const text = Array.from({ length: words }, (_, i) => `w${i} `).join('');
  return Object.assign(server, { text, open: () => open });
};

/**
 * A load balancer stand-in: forwards each request to the next of `targets` (or to the one
 * `route` picks), streams the answer back, and can cut every client connection it holds
 * (`dropAll`), as a phone changing networks would.
 */
export interface TestBalancer {
  readonly url: string;
  /** The target each request went to, in order. */
  readonly routed: ReadonlyArray<string>;
  /** Destroys every connection from clients (and the matching upstream requests). */
  readonly dropAll: () => void;
  readonly close: () => Promise<void>;
}

export const startBalancer = async (targets: () => ReadonlyArray<string>): Promise<TestBalancer> => {
  const routed: string[] = [];
  const sockets = new Set<Socket>();
  let next = 0;
  const server = http.createServer((req, res) => {
    const list = targets();
    const target = list[next++ % list.length] ?? '';
    routed.push(target);
    const upstream = http.request(
      `${target}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    routed,
    dropAll: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
