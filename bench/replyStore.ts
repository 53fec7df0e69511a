/**
 * What durable replies cost: the Redis reply log against the memory one, in one process, with a
 * real `redis-server` on loopback (spec/support/redisServer.ts).
 *
 * - Added latency per event: the time from a chunk leaving the provider to its event (with its
 *   id) reaching the producing client, through `produceReply`, p50/p99 over every event.
 * - Redis commands and bytes per reply: `INFO commandstats` and `INFO stats` before and after
 *   the replies (network bytes both ways), divided by the replies; the memory of one ended reply.
 * - What a stream holds: connections to Redis with K replies in flight and K readers
 *   following them (`CLIENT LIST`), and heartbeats per second per reply.
 * - Relay streams held at once through `createRelayHandler` on each store: heap per stream.
 *
 * Prints a table; asserts nothing. Sanity runs only on a loaded machine.
 *
 *   npx tsx bench/replyStore.ts [replies] [eventsPerReply]
 *
 * @module
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { concat, interval, map, type Observable, of, Subject, take } from 'rxjs';
import {
  createMemoryReplyStore,
  createMemoryStore,
  createRedisStore,
  createRelayHandler,
} from '../lib/server/index.js';
import type { ServerStore } from '../lib/server/store/store.js';
import { finish, text, type Chunk } from '../lib/core/chunk.js';
import { produceReply } from '../lib/server/pipeline/produceReply.js';
import { createMemoryReplyLog } from '../lib/server/store/memoryReplyLog.js';
import { createRedisClient } from '../lib/server/store/redisConnection.js';
import { createRedisReplyLog } from '../lib/server/store/redisReplyLog.js';
import { replyLogDefaults, type ReplyLog, startOfReply } from '../lib/server/store/replyLog.js';
import { startRedisServer } from '../spec/support/redisServer.js';

const replies = Number(process.argv[2] ?? 100);
const eventsPerReply = Number(process.argv[3] ?? 50);
const piece = 'Streaming replies survive a drop. '; // 34 characters, a typical text event

const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

/** Produces one reply, pushing each chunk after the previous event came back; returns the per-event latencies. */
const oneReply = async (log: ReplyLog): Promise<ReadonlyArray<number>> => {
  const source = new Subject<Chunk>();
  const production = await produceReply(log, 'bench', source as Observable<Chunk>);
  const latencies: number[] = [];
  let sent = 0;
  const next = (): void => {
    sent = performance.now();
    source.next(latencies.length < eventsPerReply ? text(piece) : finish);
  };
  production.events.subscribe(() => {
    latencies.push(performance.now() - sent);
    if (latencies.length <= eventsPerReply) next();
  });
  next();
  await production.done;
  return latencies;
};

const measure = async (log: ReplyLog): Promise<{ readonly p50: number; readonly p99: number }> => {
  for (let i = 0; i < 5; i++) await oneReply(log); // warm-up
  const all: number[] = [];
  for (let i = 0; i < replies; i++) all.push(...(await oneReply(log)));
  all.sort((a, b) => a - b);
  return { p50: percentile(all, 50), p99: percentile(all, 99) };
};

const info = async (client: Redis, section: string): Promise<ReadonlyMap<string, string>> =>
  new Map(
    (await client.info(section))
      .split('\r\n')
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)] as const),
  );

const totalCalls = (stats: ReadonlyMap<string, string>): number =>
  [...stats.values()].reduce((sum, value) => sum + Number(/calls=(\d+)/.exec(value)?.[1] ?? 0), 0);

/**
 * `streams` relay streams held at once through `createRelayHandler` on `store` (a piece every
 * 50 ms each): the heap per stream, measured after a collection when `--expose-gc` is given.
 */
const heldStreams = async (store: ServerStore, streams: number): Promise<number> => {
  const provider = {
    create: () =>
      concat(
        interval(50).pipe(
          take(60),
          map(() => text(piece)),
        ),
        of(finish),
      ),
  };
  const relay = createRelayHandler({ provider, authorize: () => 'bench', store, maxConcurrentStreams: streams + 1 });
  const server = http.createServer(relay);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const collect = (): void => (globalThis as { gc?: () => void }).gc?.();
  collect();
  const before = process.memoryUsage().heapUsed;
  const requests = Array.from({ length: streams }, () => {
    const request = http.request({
      port,
      host: '127.0.0.1',
      path: '/relay',
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json' },
    });
    request.on('response', (response) => response.resume());
    request.on('error', () => {});
    request.end(JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] }));
    return request;
  });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  collect();
  const perStream = (process.memoryUsage().heapUsed - before) / streams;
  for (const request of requests) request.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 3500)); // the productions end by themselves
  return perStream;
};

const clientCount = async (admin: Redis): Promise<number> =>
  String(await admin.call('CLIENT', 'LIST'))
    .trim()
    .split('\n').length;

const main = async (): Promise<void> => {
  const redis = await startRedisServer();
  const admin = new Redis(redis.url);
  const client = await createRedisClient({ url: redis.url });
  await client.connect();
  const redisLog = createRedisReplyLog(client, {}, { failed: () => {} });
  const memoryLog = createMemoryReplyLog();
  try {
    const memory = await measure(memoryLog);
    await admin.config('RESETSTAT');
    const before = await info(admin, 'stats');
    const onRedis = await measure(redisLog);
    const commandStats = await info(admin, 'commandstats');
    const commands = totalCalls(commandStats);
    const roundTrips = totalCalls(
      new Map(
        [...commandStats].filter(
          ([name]) => !/^cmdstat_(hexists|get|xlen|xadd|pexpire|hset|del|exists|publish)$/.test(name),
        ),
      ),
    );
    const after = await info(admin, 'stats');
    const bytes = (key: string): number => Number(after.get(key) ?? 0) - Number(before.get(key) ?? 0);
    const measured = replies + 5;

    const sample = await redisLog.open('bench');
    for (let i = 0; i < eventsPerReply; i++) await sample.append({ type: 'text', text: piece });
    await sample.append({ type: 'finish' });
    const logBytes = Number(await admin.memory('USAGE', `yqrx:reply:{${sample.replyId}}:log`));

    const inFlight = 50;
    const baseline = await clientCount(admin);
    const producers = await Promise.all(Array.from({ length: inFlight }, () => redisLog.open('bench')));
    const afterProducers = await clientCount(admin);
    const followers = await Promise.all(producers.map((p) => redisLog.follow(p.replyId, startOfReply)));
    const subscriptions = followers.map((f) => f?.subscribe());
    await new Promise((resolve) => setTimeout(resolve, 300));
    const afterFollowers = await clientCount(admin);
    for (const p of producers) await p.append({ type: 'finish' });
    for (const s of subscriptions) s?.unsubscribe();

    const streams = 200;
    const plain = await heldStreams(createMemoryStore(), streams);
    const memoryReplies = await heldStreams(createMemoryReplyStore(), streams);
    const redisStore = await createRedisStore({ url: redis.url, log: () => {} });
    const onRedisStore = await heldStreams(redisStore, streams);
    await redisStore.close();

    const row = (name: string, value: string): void => console.log(`| ${name} | ${value} |`);
    console.log(
      `\n${replies} replies of ${eventsPerReply} text events (${piece.length} chars) + finish, one at a time\n`,
    );
    console.log('| measure | value |\n|---|---|');
    row('added latency per event, memory log (p50 / p99)', `${memory.p50.toFixed(3)} / ${memory.p99.toFixed(3)} ms`);
    row('added latency per event, Redis log (p50 / p99)', `${onRedis.p50.toFixed(3)} / ${onRedis.p99.toFixed(3)} ms`);
    row('round trips to Redis per reply (one script per event)', (roundTrips / measured).toFixed(1));
    row('Redis commands executed per reply (inside the scripts)', (commands / measured).toFixed(1));
    row('bytes to Redis per reply', (bytes('total_net_input_bytes') / measured).toFixed(0));
    row('bytes from Redis per reply', (bytes('total_net_output_bytes') / measured).toFixed(0));
    row('memory of one ended reply (its Stream)', `${logBytes} bytes`);
    row(`connections to Redis, idle / +${inFlight} replies in flight`, `${baseline} / ${afterProducers}`);
    row(`connections to Redis, +${inFlight} readers following them`, `${afterFollowers}`);
    row('heartbeats per reply in flight', `${(3000 / replyLogDefaults.producerTtlMs).toFixed(1)} per second`);
    const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
    row(
      `heap per relay stream, ${streams} held: memory store (no replies kept) / memory reply store / Redis store`,
      `${kb(plain)} / ${kb(memoryReplies)} / ${kb(onRedisStore)}`,
    );
  } finally {
    await redisLog.close();
    await memoryLog.close();
    client.disconnect();
    admin.disconnect();
    await redis.stop();
  }
};

await main();
