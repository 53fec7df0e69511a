/**
 * The relay under test, in its own process (`node --expose-gc dist-check/bench/relayServer.js
 * <upstream port>`): `createRelayHandler` from `yqcloud-rx/server` in front of the bench server,
 * at two paths whose upstream answers differently, and a few routes that report the process's
 * own figures.
 *
 *   POST /relay/one      relayed; upstream: one 16-byte piece
 *   POST /relay/stream   relayed; upstream: a 20-byte piece every 50 ms until the client leaves
 *   GET  /idle           { rss, heapUsed } after a collection
 *   GET  /measure?windowMs=N   { eldP99Ms, cpuMs, rss, heapUsed } over the next N ms, then after a collection
 *
 * Prints its port on stdout, then serves until killed.
 *
 * @module
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type ChatRequest, nodeTransport, YqcloudProvider } from 'yqcloud-rx';
import { bearerToken, createRelayHandler } from 'yqcloud-rx/server';

const upstream = `http://127.0.0.1:${process.argv[2] ?? '0'}/api/generateStream`;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const eldResolutionMs = 10;

/** The token the bench's relay clients send. */
export const relayToken = 'bench-relay-token';

/**
 * The upstream transport: `nodeTransport()`, as `yqcloud-rx serve` uses; `BENCH_RELAY_TRANSPORT=axios`
 * gives the provider's default instead, to compare.
 */
const transport = process.env.BENCH_RELAY_TRANSPORT === 'axios' ? undefined : nodeTransport();

const relayTo = (query: string) => {
  const provider = new YqcloudProvider({
    apiEndpoint: `${upstream}?${query}`,
    ...(transport === undefined ? {} : { transport }),
  });
  return createRelayHandler({
    // The relay forwards each chunk and its client keeps its own text.
    provider: { create: (request: ChatRequest) => provider.create({ ...request, keepText: false }) },
    authorize: bearerToken(relayToken),
    maxConcurrentStreams: 100_000,
  });
};
const one = relayTo('pieces=1&size=16');
const stream = relayTo('relay=1');

const memory = () => {
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
};

const json = (res: http.ServerResponse, value: unknown): void => {
  res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify(value));
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/relay/one') return void one(req, res);
  if (url.pathname === '/relay/stream') return void stream(req, res);
  if (url.pathname === '/idle') return json(res, memory());
  if (url.pathname === '/measure') {
    const delay = monitorEventLoopDelay({ resolution: eldResolutionMs });
    const cpu = process.cpuUsage();
    delay.enable();
    setTimeout(
      () => {
        delay.disable();
        const used = process.cpuUsage(cpu);
        json(res, {
          eldP99Ms: delay.percentile(99) / 1e6 - eldResolutionMs,
          cpuMs: (used.user + used.system) / 1000,
          ...memory(),
        });
      },
      Number(url.searchParams.get('windowMs') ?? 5000),
    );
    return;
  }
  res.writeHead(404).end();
});
// Exit on SIGTERM (the runner's kill) through process.exit, so a --cpu-prof profile is written.
process.on('SIGTERM', () => process.exit(0));
server.keepAliveTimeout = 60_000;
server.headersTimeout = 120_000;
server.requestTimeout = 0;
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
