/**
 * First-chunk latency and TCP connections on loopback: yqcloud-rx against raw `node:http`.
 *
 * One process, one loopback server that answers each request with a first piece at once and the
 * rest right after. For each client, 300 sequential requests (after 20 warm-up ones) measure the
 * time from starting the request to the first body text reaching the caller, and the server
 * counts the TCP connections each client opened (during the measured requests, and in all).
 * A last row chains the requests with `concatMap` (no warm-up, no await between them), the
 * path on which a reply that completed before its socket was back in the pool opened a new one.
 * Prints a table; asserts nothing.
 *
 *   npx tsx bench/loopbackLatency.ts [requests]
 *
 * @module
 */
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { concatMap, defer, firstValueFrom, lastValueFrom, filter, range, tap, toArray } from 'rxjs';
import { YqcloudProvider } from '../lib/provider/yqcloudProvider.js';
import { startLoopbackServer } from '../spec/support/loopbackServer.js';

const requests = Number(process.argv[2] ?? 300);
const warmUp = 20;
const messages = [{ role: 'user', content: 'Hello' }] as const;
const body = JSON.stringify({
  prompt: 'Hello',
  userId: '#/chat/1',
  network: true,
  system: '',
  withoutContext: false,
  stream: true,
});

interface Client {
  readonly name: string;
  /** Sends one request; resolves with ms from start to first text, after the whole reply. */
  readonly once: () => Promise<number>;
  readonly close: () => void;
}

const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

const rawClient = (endpoint: string, keepAlive: boolean): Client => {
  const agent = new http.Agent({ keepAlive });
  return {
    name: `raw node:http (keepAlive: ${keepAlive})`,
    once: () =>
      new Promise((resolve, reject) => {
        const start = performance.now();
        let first = Number.NaN;
        const req = http.request(
          endpoint,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            res.setEncoding('utf8');
            res.on('data', () => {
              if (Number.isNaN(first)) first = performance.now() - start;
            });
            res.on('end', () => resolve(first));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
};

const rxClient = (endpoint: string, keepAlive: boolean): Client => {
  const provider = new YqcloudProvider({ apiEndpoint: endpoint, keepAlive });
  return {
    name: `yqcloud-rx create() (keepAlive: ${keepAlive})`,
    once: async () => {
      const start = performance.now();
      let first = Number.NaN;
      await lastValueFrom(
        provider.create({ messages }).pipe(
          tap((chunk) => {
            if (chunk.type === 'text' && Number.isNaN(first)) first = performance.now() - start;
          }),
          toArray(),
        ),
      );
      return first;
    },
    close: () => provider.destroy(),
  };
};

/** Requests chained with `concatMap`, so each one starts synchronously as the last completes. */
const rxChained = async (
  endpoint: string,
  n: number,
  connections: () => number,
): Promise<Record<string, string | number>> => {
  const provider = new YqcloudProvider({ apiEndpoint: endpoint });
  const before = connections();
  const times: Array<number> = [];
  await lastValueFrom(
    range(0, n).pipe(
      concatMap(() => {
        let start = 0;
        let first = true;
        return defer(() => {
          start = performance.now();
          return provider.create({ messages });
        }).pipe(
          tap((chunk) => {
            if (chunk.type === 'text' && first) {
              first = false;
              times.push(performance.now() - start);
            }
          }),
        );
      }),
      toArray(),
    ),
  );
  provider.destroy();
  times.sort((a, b) => a - b);
  return {
    client: 'yqcloud-rx range → concatMap(create)',
    requests: n,
    'p50 ms': Number(percentile(times, 50).toFixed(3)),
    'p99 ms': Number(percentile(times, 99).toFixed(3)),
    'max ms': Number((times.at(-1) ?? Number.NaN).toFixed(3)),
    'TCP conns (measured)': connections() - before,
    [`TCP conns (all ${warmUp + requests})`]: connections() - before,
  };
};

const server = await startLoopbackServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.write('Hello');
  res.end(', world');
});

// A sanity check that the provider sees the reply as text.
{
  const provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
  await firstValueFrom(provider.create({ messages }).pipe(filter((c) => c.type === 'text')));
  provider.destroy();
}

const rows: Array<Record<string, string | number>> = [];
for (const make of [
  (e: string) => rawClient(e, true),
  (e: string) => rxClient(e, true),
  (e: string) => rawClient(e, false),
  (e: string) => rxClient(e, false),
]) {
  const client = make(server.endpoint);
  const connectionsAtStart = server.connections;
  for (let i = 0; i < warmUp; i++) await client.once();
  const connectionsBefore = server.connections;
  const times: Array<number> = [];
  for (let i = 0; i < requests; i++) times.push(await client.once());
  const connections = server.connections - connectionsBefore;
  const allConnections = server.connections - connectionsAtStart;
  client.close();
  times.sort((a, b) => a - b);
  rows.push({
    client: client.name,
    requests,
    'p50 ms': Number(percentile(times, 50).toFixed(3)),
    'p99 ms': Number(percentile(times, 99).toFixed(3)),
    'max ms': Number((times.at(-1) ?? Number.NaN).toFixed(3)),
    'TCP conns (measured)': connections,
    [`TCP conns (all ${warmUp + requests})`]: allConnections,
  });
}

rows.push(await rxChained(server.endpoint, requests, () => server.connections));

console.log(
  `first-chunk latency on loopback, ${requests} sequential requests each (after ${warmUp} warm-up), Node ${process.version}`,
);
console.table(rows);
await server.close();
