/**
 * One benchmark client in its own process: `tsx bench/client.ts <client> <scenario> <port>`
 * runs one scenario and prints one JSON line of figures. Clients: `raw` (node:http with a
 * keep-alive agent and a streaming TextDecoder: the physical limit), `axios` (axios with
 * `responseType: 'stream'`, used directly), `yqcloud-rx` (`create` + subscribe, the built
 * package in dist/), and `yqcloud-rx+bufferText` / `yqcloud-rx+accumulateText`.
 *
 * @module
 */
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import axios from 'axios';
import type { IncomingMessage } from 'node:http';
import { accumulateText, bufferText, YqcloudProvider, type Chunk } from '../dist/index.js';
import type { Observable, OperatorFunction } from 'rxjs';

const [clientName = 'raw', scenario = 'small', port = '0'] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const wallClock = (): number => performance.timeOrigin + performance.now();

interface Stream {
  readonly done: Promise<void>;
  readonly cancel: () => void;
}
/** `chars` is how much text the value added (a snapshot's growth for `accumulateText`). */
type OnText = (chars: number, text: string) => void;
type Start = (query: string, id: string, onText: OnText) => Stream;

const bodyFor = (id: string): string =>
  JSON.stringify({ prompt: 'Hello', userId: id, network: true, system: '', withoutContext: false, stream: true });

const rawClient = (): Start => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  return (query, id, onText) => {
    let req: http.ClientRequest | undefined;
    const done = new Promise<void>((resolve, reject) => {
      req = http.request(
        `${base}/api/generateStream?${query}`,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          const decoder = new TextDecoder();
          res.on('data', (piece: Buffer) => {
            const text = decoder.decode(piece, { stream: true });
            if (text !== '') onText(text.length, text);
          });
          res.on('end', () => resolve());
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(bodyFor(id));
    });
    return { done, cancel: () => req?.destroy() };
  };
};

const axiosClient = (): Start => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  return (query, id, onText) => {
    const controller = new AbortController();
    const done = axios
      .post<IncomingMessage>(`${base}/api/generateStream?${query}`, bodyFor(id), {
        responseType: 'stream',
        httpAgent: agent,
        signal: controller.signal,
        headers: { 'content-type': 'application/json' },
      })
      .then(
        (response) =>
          new Promise<void>((resolve, reject) => {
            const decoder = new TextDecoder();
            response.data.on('data', (piece: Buffer) => {
              const text = decoder.decode(piece, { stream: true });
              if (text !== '') onText(text.length, text);
            });
            response.data.on('end', () => resolve());
            response.data.on('error', reject);
          }),
      );
    return { done, cancel: () => controller.abort() };
  };
};

const rxClient = (operator?: OperatorFunction<Chunk, Chunk | string>): Start => {
  const providers = new Map<string, YqcloudProvider>();
  const ids: Array<string> = [];
  return (query, id, onText) => {
    let provider = providers.get(query);
    ids.push(id);
    if (provider === undefined) {
      provider = new YqcloudProvider({
        apiEndpoint: `${base}/api/generateStream?${query}`,
        now: () => Number(ids.shift()),
        maxResponseBytes: 256 * 1024 * 1024,
      });
      providers.set(query, provider);
    }
    const reply$ = provider.create({ messages: [{ role: 'user', content: 'Hello' }] });
    const out$: Observable<Chunk | string> = operator === undefined ? reply$ : reply$.pipe(operator);
    let cancel = (): void => undefined;
    let snapshot = 0;
    const done = new Promise<void>((resolve, reject) => {
      const subscription = out$.subscribe({
        next: (value) => {
          if (typeof value === 'string') {
            onText(value.length - snapshot, value);
            snapshot = value.length;
          } else if (value.type === 'text') onText(value.text.length, value.text);
        },
        error: reject,
        complete: resolve,
      });
      cancel = () => subscription.unsubscribe();
    });
    return { done, cancel };
  };
};

const clients: Readonly<Record<string, () => Start>> = {
  raw: rawClient,
  axios: axiosClient,
  'yqcloud-rx': () => rxClient(),
  'yqcloud-rx+bufferText': () => rxClient(bufferText({ boundary: 'word' })),
  'yqcloud-rx+accumulateText': () => rxClient(accumulateText()),
};

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

const stats = async (): Promise<{ connections: number; closes: Record<string, number> }> =>
  (await fetch(`${base}/stats`)).json() as Promise<{ connections: number; closes: Record<string, number> }>;
const reset = async (): Promise<void> => void (await fetch(`${base}/reset`, { method: 'POST' }));

let nextId = 1_000_000;
const id = (): string => String(nextId++);

/**
 * Throughput over five replies in a row, after one of the same shape has warmed the JIT and the
 * connection and a collection has swept it: the steady state, with the collections each reply's
 * garbage costs the next, rather than the compile time of the client's code (which one reply of
 * 50-170 ms mostly measures). The warm-up reply's own rate is `coldMbPerS`.
 */
const measuredReplies = 5;
const throughput = async (start: Start, pieces: number, size: number) => {
  let coldChars = 0;
  const cold0 = performance.now();
  await start(`pieces=${pieces}&size=${size}`, id(), (added) => (coldChars += added)).done;
  const coldMbPerS = coldChars / 1e6 / ((performance.now() - cold0) / 1000);
  global.gc?.();
  let chunks = 0;
  let chars = 0;
  const rss = rssSampler();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < measuredReplies; i++)
    await start(`pieces=${pieces}&size=${size}`, id(), (added) => {
      chunks++;
      chars += added;
    }).done;
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  return {
    mbPerS: chars / 1e6 / (ms / 1000),
    coldMbPerS,
    ms,
    chunks,
    bytes: chars,
    cpuMs: (used.user + used.system) / 1000,
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

const scenarios: Readonly<Record<string, (start: Start) => Promise<Record<string, number>>>> = {
  small: (start) => throughput(start, 50_000, 16),
  bulk: (start) => throughput(start, 2_000, 16 * 1024),
  latency: async (start) => {
    for (let i = 0; i < 20; i++) await firstChunk(start, 'pieces=1&size=16');
    await reset();
    const times: Array<number> = [];
    for (let i = 0; i < 300; i++) times.push((await firstChunk(start, 'pieces=1&size=16')).firstMs);
    return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), connections: (await stats()).connections };
  },
  concurrency: async (start) => {
    await firstChunk(start, 'pieces=1&size=16');
    global.gc?.();
    const idle = process.memoryUsage.rss();
    const rss = rssSampler();
    const times = await Promise.all(
      Array.from({ length: 2_000 }, () => firstChunk(start, 'pieces=200&size=32&gapMs=5')),
    );
    const peak = rss.stop();
    const first = times.map((t) => t.firstMs);
    return {
      p50Ms: percentile(first, 50),
      p99Ms: percentile(first, 99),
      peakRssMiB: peak / 2 ** 20,
      kibPerStream: (peak - idle) / 1024 / 2_000,
    };
  },
  cancel: async (start) => {
    await firstChunk(start, 'pieces=1&size=16');
    await reset();
    const cancelledAt: Record<string, number> = {};
    // Stream i is cancelled after its (1 + i mod 20)th piece, so each batch's cancels spread over
    // 100 ms of body as a user's would, instead of landing on the server in one burst.
    const one = (_: unknown, i: number): Promise<void> =>
      new Promise((resolve) => {
        const name = id();
        let stream: Stream | undefined;
        let pieces = 1 + (i % 20);
        stream = start('pieces=1000&size=32&gapMs=5', name, () => {
          if (--pieces !== 0) return;
          cancelledAt[name] = wallClock();
          stream?.cancel();
          resolve();
        });
        stream.done.catch(() => undefined);
      });
    for (let batch = 0; batch < 20; batch++) await Promise.all(Array.from({ length: 50 }, one));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { closes } = await stats();
    const delays = Object.entries(cancelledAt).map(
      ([name, at]) => (closes[name] ?? closes[`#/chat/${name}`] ?? Number.NaN) - at,
    );
    const seen = delays.filter((d) => !Number.isNaN(d));
    return {
      p50Ms: percentile(seen, 50),
      p99Ms: percentile(seen, 99),
      closedSeen: seen.length,
      cancelled: delays.length,
    };
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
};

const run = scenarios[scenario];
const make = clients[clientName];
if (run === undefined || make === undefined) throw new Error(`unknown client ${clientName} or scenario ${scenario}`);
const result = await run(make());
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
