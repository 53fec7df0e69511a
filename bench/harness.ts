/**
 * What every benchmark client process shares: the client interface and the scenarios. It loads
 * Node built-ins only, so the `raw` client's process holds `node:http` and nothing else.
 *
 * @module
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/**
 * One request in flight.
 *
 * @example
 * ```ts
 * const stream: Stream = start('pieces=1&size=16', '1000000', () => undefined);
 * await stream.done;
 * ```
 */
export interface Stream {
  readonly done: Promise<void>;
  readonly cancel: () => void;
}

/** `chars` is how much text the value added (a snapshot's growth for `accumulateText`). */
export type OnText = (chars: number, text: string) => void;

/**
 * Starts one request for the server's `query`, naming it `id` (the body's userId).
 *
 * @example
 * ```ts
 * const start: Start = (query, id, onText) => ({ done: Promise.resolve(), cancel: () => undefined });
 * ```
 */
export type Start = (query: string, id: string, onText: OnText) => Stream;

/**
 * A benchmark client: how it is made for a scenario, and the options it uses there (written
 * into docs/benchmarks.md, so that nothing a client sets differently from its defaults is
 * hidden).
 *
 * @example
 * ```ts
 * const client: Client = { options: () => 'defaults', make: () => start };
 * ```
 */
export interface Client {
  readonly options: (scenario: string) => string;
  readonly make: (at: { readonly base: string; readonly scenario: string }) => Start;
}

/**
 * The request body the service expects, for clients that build it themselves.
 *
 * @example
 * ```ts
 * bodyFor('1000000'); // '{"prompt":"Hello","userId":"1000000",…}'
 * ```
 */
export const bodyFor = (id: string): string =>
  JSON.stringify({ prompt: 'Hello', userId: id, network: true, system: '', withoutContext: false, stream: true });

const wallClock = (): number => performance.timeOrigin + performance.now();
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
};

const rssSampler = () => {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  return {
    stop: (): number => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
};

const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

let nextId = 1_000_000;
const id = (): string => String(nextId++);

/**
 * The event-loop delay histogram's timer period; Node records each period's whole length, so the
 * figures are given with the period taken off (0 = no delay).
 */
const eldResolutionMs = 10;

/** Connections are started in batches of this many, a turn of the event loop apart. */
const rampBatch = 100;

/**
 * Throughput over five replies in a row, after one of the same shape has warmed the JIT and the
 * connection and a collection has swept it: the steady state, with the collections each reply's
 * garbage costs the next, rather than the compile time of the client's code. MB/s counts the
 * body's bytes (the text is about a third multi-byte). The warm-up reply's own rate is
 * `coldMbPerS`; `chars` lets the runner check that every client decoded the same text.
 */
const measuredReplies = 5;
const throughput = async (start: Start, pieces: number, size: number) => {
  const query = `pieces=${pieces}&size=${size}`;
  const cold0 = performance.now();
  await start(query, id(), () => undefined).done;
  const coldMbPerS = (pieces * size) / 1e6 / ((performance.now() - cold0) / 1000);
  gc();
  let chunks = 0;
  let chars = 0;
  const rss = rssSampler();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < measuredReplies; i++)
    await start(query, id(), (added) => {
      chunks++;
      chars += added;
    }).done;
  const ms = performance.now() - t0;
  return {
    mbPerS: (measuredReplies * pieces * size) / 1e6 / (ms / 1000),
    coldMbPerS,
    ms,
    chunks,
    chars: chars / measuredReplies,
    cpuMs: cpuMsSince(cpu),
    peakRssMiB: rss.stop() / 2 ** 20,
  };
};

const firstChunk = (start: Start, query: string): Promise<{ firstMs: number }> =>
  new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = Number.NaN;
    start(query, id(), () => {
      if (Number.isNaN(first)) first = performance.now() - t0;
    }).done.then(() => resolve({ firstMs: first }), reject);
  });

/**
 * Opens `n` relay-shaped streams, `rampBatch` per turn of the event loop, and resolves once every
 * one has had its first piece; `pieces()` counts the pieces delivered so far.
 */
const bringUp = async (
  start: Start,
  n: number,
): Promise<{ streams: ReadonlyArray<Stream>; upMs: number; pieces: () => number }> => {
  let waiting = n;
  let chunks = 0;
  let allUp: () => void = () => undefined;
  const up = new Promise<void>((resolve) => {
    allUp = resolve;
  });
  const streams: Array<Stream> = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    let first = true;
    const stream = start('relay=1', id(), () => {
      chunks++;
      if (!first) return;
      first = false;
      if (--waiting === 0) allUp();
    });
    stream.done.catch(() => undefined);
    streams.push(stream);
    if ((i + 1) % rampBatch === 0) await nextTurn();
  }
  await up;
  return { streams, upMs: performance.now() - t0, pieces: () => chunks };
};

/**
 * The relay's shape: `n` streams open at once, each receiving a 20-byte piece every 50 ms. The
 * streams are started in batches of {@link rampBatch}; `upMs` is the time until every one has
 * had its first piece, `upCpuUsPerStream` the process's CPU time for that, per stream. Then, over `windowMs`, the pieces delivered per second (and as a share
 * of the 20 per stream per second the server sends), the event loop's delay p99 (beyond the
 * timer's period), the CPU per
 * 1,000 pieces, and, after a collection with the streams still open, RSS and heap per stream
 * above the idle process's.
 */
const relay = async (start: Start, n: number, windowMs = 5_000) => {
  await firstChunk(start, 'pieces=1&size=20');
  gc();
  await pause(50);
  const idle = process.memoryUsage();
  const upCpu = process.cpuUsage();
  const { streams, upMs, pieces } = await bringUp(start, n);
  const upCpuUsPerStream = (cpuMsSince(upCpu) * 1000) / n;
  const delay = monitorEventLoopDelay({ resolution: eldResolutionMs });
  const cpu = process.cpuUsage();
  const counted = pieces();
  const w0 = performance.now();
  delay.enable();
  await pause(windowMs);
  delay.disable();
  const seconds = (performance.now() - w0) / 1000;
  const delivered = pieces() - counted;
  const cpuMs = cpuMsSince(cpu);
  gc();
  await pause(20);
  const open = process.memoryUsage();
  for (const stream of streams) stream.cancel();
  return {
    streams: n,
    upMs,
    upCpuUsPerStream,
    chunksPerS: delivered / seconds,
    deliveredShare: delivered / seconds / (n * 20),
    eldP99Ms: delay.percentile(99) / 1e6 - eldResolutionMs,
    eldMeanMs: delay.mean / 1e6 - eldResolutionMs,
    cpuMsPer1000Chunks: (cpuMs / delivered) * 1000,
    kibPerStream: (open.rss - idle.rss) / 1024 / n,
    heapKibPerStream: (open.heapUsed - idle.heapUsed) / 1024 / n,
  };
};

/**
 * `n` streams through the relay process (`bench/relayServer.ts`), each of whose upstream replies
 * sends a 20-byte piece every 50 ms: bring-up time, then over 5 s the pieces delivered, and the
 * relay process's own event-loop delay p99, CPU per 1,000 pieces, and RSS and heap per stream
 * above its idle figures (after a collection, the streams still open).
 */
const relayThrough = async (start: Start, relayBase: string, n: number) => {
  await firstChunk(start, 'pieces=1&size=16');
  const idle = (await (await fetch(`${relayBase}/idle`)).json()) as { rss: number; heapUsed: number };
  const { streams, upMs, pieces } = await bringUp(start, n);
  const counted = pieces();
  const w0 = performance.now();
  const relay = (await (await fetch(`${relayBase}/measure?windowMs=5000`)).json()) as {
    eldP99Ms: number;
    cpuMs: number;
    rss: number;
    heapUsed: number;
  };
  const seconds = (performance.now() - w0) / 1000;
  const delivered = pieces() - counted;
  for (const stream of streams) stream.cancel();
  return {
    streams: n,
    upMs,
    chunksPerS: delivered / seconds,
    deliveredShare: delivered / seconds / (n * 20),
    relayEldP99Ms: relay.eldP99Ms,
    relayCpuMsPer1000Chunks: (relay.cpuMs / delivered) * 1000,
    relayKibPerStream: (relay.rss - idle.rss) / 1024 / n,
    relayHeapKibPerStream: (relay.heapUsed - idle.heapUsed) / 1024 / n,
  };
};

/**
 * The scenarios by name; each resolves with its figures.
 *
 * @example
 * ```ts
 * const figures = await scenarios.small?.(start, 'http://127.0.0.1:8080');
 * ```
 */
export const scenarios: Readonly<
  Record<string, (start: Start, base: string, relayBase: string) => Promise<Readonly<Record<string, number>>>>
> = {
  small: (start) => throughput(start, 50_000, 16),
  bulk: (start) => throughput(start, 2_000, 16 * 1024),
  latency: async (start, base) => {
    for (let i = 0; i < 50; i++) await firstChunk(start, 'pieces=1&size=16');
    await fetch(`${base}/reset`, { method: 'POST' });
    const times: Array<number> = [];
    const cpu = process.cpuUsage();
    for (let i = 0; i < 300; i++) times.push((await firstChunk(start, 'pieces=1&size=16')).firstMs);
    const cpuUsPerRequest = (cpuMsSince(cpu) * 1000) / 300;
    const { connections } = (await (await fetch(`${base}/stats`)).json()) as { connections: number };
    return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), cpuUsPerRequest, connections };
  },
  concurrency: async (start) => {
    await firstChunk(start, 'pieces=1&size=16');
    gc();
    const idle = process.memoryUsage.rss();
    const rss = rssSampler();
    const t0 = performance.now();
    const times = await Promise.all(
      Array.from({ length: 2_000 }, () => firstChunk(start, 'pieces=200&size=32&gapMs=5')),
    );
    const allMs = performance.now() - t0;
    const peak = rss.stop();
    const first = times.map((t) => t.firstMs);
    return {
      p50Ms: percentile(first, 50),
      p99Ms: percentile(first, 99),
      allMs,
      peakRssMiB: peak / 2 ** 20,
      kibPerStream: (peak - idle) / 1024 / 2_000,
    };
  },
  'concurrency-200': async (start) => {
    await firstChunk(start, 'pieces=1&size=16');
    gc();
    const rss = rssSampler();
    const cpu = process.cpuUsage();
    const times = await Promise.all(Array.from({ length: 200 }, () => firstChunk(start, 'pieces=20&size=32&gapMs=5')));
    const cpuMs = cpuMsSince(cpu);
    const peak = rss.stop();
    return {
      p50Ms: percentile(
        times.map((t) => t.firstMs),
        50,
      ),
      cpuMs,
      peakRssMiB: peak / 2 ** 20,
    };
  },
  cancel: async (start, base) => {
    await firstChunk(start, 'pieces=1&size=16');
    await fetch(`${base}/reset`, { method: 'POST' });
    const cancelledAt: Record<string, number> = {};
    // Stream i is cancelled after its (1 + i mod 20)th piece, so each batch's cancels spread over
    // 100 ms of body as a user's would, instead of landing on the server in one burst.
    const one = (_: unknown, i: number): Promise<void> =>
      new Promise((resolve) => {
        const name = id();
        let pieces = 1 + (i % 20);
        const stream: Stream = start('pieces=1000&size=32&gapMs=5', name, () => {
          if (--pieces !== 0) return;
          cancelledAt[name] = wallClock();
          stream.cancel();
          resolve();
        });
        stream.done.catch(() => undefined);
      });
    for (let batch = 0; batch < 20; batch++) await Promise.all(Array.from({ length: 50 }, one));
    await pause(300);
    const { closes } = (await (await fetch(`${base}/stats`)).json()) as { closes: Record<string, number> };
    const delays = Object.entries(cancelledAt).map(
      ([name, at]) => (closes[name] ?? closes[`#/chat/${name}`] ?? Number.NaN) - at,
    );
    const seen = delays.filter((d) => !Number.isNaN(d));
    return { p50Ms: percentile(seen, 50), p99Ms: percentile(seen, 99), closedSeen: seen.length };
  },
  pacing: async (start) => {
    const arrivals: Array<number> = [];
    const texts: Array<string> = [];
    await start('pieces=4&gapMs=100&stamp=1', id(), (_, text) => {
      arrivals.push(wallClock());
      texts.push(text);
    }).done;
    const sentAt = Number(/\[([\d.]+)\]/.exec(texts[0] ?? '')?.[1]);
    return { chunks: texts.length, firstLagMs: (arrivals[0] ?? Number.NaN) - sentAt };
  },
  'relay-1000': (start) => relay(start, 1_000),
  'relay-3000': (start) => relay(start, 3_000),
  'relay-5000': (start) => relay(start, 5_000),
  'relay-through-2000': (start, _base, relayBase) => relayThrough(start, relayBase, 2_000),
};
