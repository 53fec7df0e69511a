/**
 * Soak test: does one long-lived provider leak memory or handles?
 *
 * One `YqcloudProvider` (keep-alive, the default) sends, after a warm-up, 10,000 sequential
 * requests to an emulator that answers a short reply at once, then 2,000 requests to an
 * emulator that paces a long reply, each cancelled (unsubscribed) as soon as its first text
 * chunk arrives. Before, after the sequential phase and after the cancel phase it measures RSS
 * and heapUsed (after `global.gc()` when the process runs with `--expose-gc`) and counts the
 * process's active resources by type (`process.getActiveResourcesInfo()`); it prints the
 * figures and writes them, with a verdict computed from them, into `docs/benchmarks.md`
 * between `<!-- soak:start -->` and `<!-- soak:end -->` (creating the file, or appending the
 * section, when needed).
 *
 * The emulators (`yqcloud-rx/emulator`'s `startEmulator`) run in a child process started from
 * this file, so their request logs and sockets do not count against the client's figures.
 *
 *   node --expose-gc --import tsx bench/soak.ts     (recommended: figures after a forced GC)
 *   npx tsx bench/soak.ts                           (works too; no forced GC)
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../lib/emulator/index.js';
import { YqcloudProvider } from '../lib/provider/yqcloudProvider.js';

const sequentialRequests = 10_000;
const cancelledRequests = 2_000;
const warmUpRequests = 200;
const shortReply = 'A short reply from the emulator.';
const pacedReply = 'A long, slowly paced reply that nobody waits for. '.repeat(10);
const messages = [{ role: 'user', content: 'Hello' }] as const;
const slowMessages = [{ role: 'user', content: 'Tell me a long story, slowly' }] as const;
const paceMs = 20;
const mib = 1024 * 1024;

// ————————————————————————————————————————— the emulator, in a child process ———————————————————

/** What the child tells the parent. */
type ChildMessage =
  | { readonly type: 'ready'; readonly apiEndpoint: string }
  | { readonly type: 'queued'; readonly faults: number }
  | {
      readonly type: 'stats';
      readonly requests: number;
      readonly ok: number;
      readonly slow: number;
      readonly openConnections: number;
    };

/** What the parent asks the child. */
type ParentMessage =
  | { readonly type: 'queue-slow'; readonly count: number; readonly delayMs: number }
  | { readonly type: 'stats' }
  | { readonly type: 'close' };

const serve = async (): Promise<void> => {
  // Unique userIds (see `now` below) and one remembered conversation: the emulator's memory
  // stays flat however many requests it answers.
  const emulator = await startEmulator({
    delayMs: 0,
    pieceChars: 64,
    maxConversations: 1,
    reply: (prompt) => (prompt.includes('slowly') ? pacedReply : shortReply),
  });
  const send = (m: ChildMessage): void => void process.send?.(m);
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'queue-slow') {
      for (let i = 0; i < m.count; i++) emulator.injectFault({ kind: 'slow', delayMs: m.delayMs });
      send({ type: 'queued', faults: m.count });
    }
    if (m.type === 'stats')
      send({
        type: 'stats',
        requests: emulator.requests.length,
        ok: emulator.requests.filter((r) => r.status === 200).length,
        slow: emulator.requests.filter((r) => r.fault?.kind === 'slow').length,
        openConnections: emulator.openConnections(),
      });
    if (m.type === 'close') void emulator.close().then(() => process.disconnect());
  });
  process.on('disconnect', () => void emulator.close());
  send({ type: 'ready', apiEndpoint: emulator.apiEndpoint });
};

// ————————————————————————————————————————— the client ————————————————————————————————————————

interface Snapshot {
  readonly label: string;
  readonly rss: number;
  readonly heapUsed: number;
  readonly handles: Readonly<Record<string, number>>;
  readonly requests: number | undefined;
  readonly seconds: number | undefined;
}

const gc = (globalThis as { gc?: () => void }).gc;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const handleCounts = (): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
};
const totalHandles = (h: Readonly<Record<string, number>>): number => Object.values(h).reduce((a, b) => a + b, 0);
const sockets = (): number => handleCounts().TCPSocketWrap ?? 0;

/** Waits (at most 3 s, a bound) for sockets to settle to `atMost`, collects garbage, measures. */
const measure = async (
  label: string,
  atMostSockets: number,
  requests?: number,
  seconds?: number,
): Promise<Snapshot> => {
  const deadline = Date.now() + 3000;
  while (sockets() > atMostSockets && Date.now() < deadline) await pause(20);
  await pause(50);
  if (gc !== undefined) {
    gc();
    await pause(10);
    gc();
  }
  const memory = process.memoryUsage();
  return { label, rss: memory.rss, heapUsed: memory.heapUsed, handles: handleCounts(), requests, seconds };
};

/** Sends a message to the emulator's process and resolves with its answer of type `answer`. */
const ask = <T extends ChildMessage['type']>(
  child: ChildProcess,
  message: ParentMessage,
  answer: T,
): Promise<Extract<ChildMessage, { type: T }>> =>
  new Promise((resolve) => {
    const listener = (m: ChildMessage): void => {
      if (m.type !== answer) return;
      child.off('message', listener);
      resolve(m as Extract<ChildMessage, { type: T }>);
    };
    child.on('message', listener);
    child.send(message);
  });

const startChild = (): Promise<{ child: ChildProcess; apiEndpoint: string }> =>
  new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the emulator process exited early (${String(code)})`)));
    child.once('message', (m: ChildMessage) => {
      if (m.type === 'ready') resolve({ child, apiEndpoint: m.apiEndpoint });
    });
  });

const formatHandles = (h: Readonly<Record<string, number>>): string =>
  Object.entries(h)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
const fmt = (n: number, digits = 1): string => n.toFixed(digits);

const run = async (): Promise<void> => {
  const { child, apiEndpoint } = await startChild();
  let userIds = 0;
  // One provider for the whole run, keep-alive (the default); a fake clock gives every
  // conversation its own userId.
  const provider = new YqcloudProvider({ apiEndpoint, now: () => ++userIds });

  const once = (): Promise<string> =>
    new Promise((resolve, reject) => {
      let textSoFar = '';
      provider.create({ messages }).subscribe({
        next: (chunk) => {
          if (chunk.type === 'text') textSoFar += chunk.text;
        },
        error: reject,
        complete: () => resolve(textSoFar),
      });
    });

  const cancelledAfterFirstText = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const subscription = provider.create({ messages: slowMessages }).subscribe({
        next: (chunk) => {
          if (chunk.type !== 'text') return;
          subscription.unsubscribe();
          resolve(chunk.text);
        },
        error: reject,
        complete: () => reject(new Error('the paced reply completed before it was cancelled')),
      });
    });

  let wrong = 0;
  for (let i = 0; i < warmUpRequests; i++) if ((await once()) !== shortReply) wrong++;
  const before = await measure(`before (after ${warmUpRequests} warm-up requests)`, 1);
  const baseSockets = before.handles.TCPSocketWrap ?? 0;

  const t0 = performance.now();
  for (let i = 0; i < sequentialRequests; i++) if ((await once()) !== shortReply) wrong++;
  const sequentialSeconds = (performance.now() - t0) / 1000;
  const afterSequential = await measure(
    `after ${sequentialRequests.toLocaleString('en')} sequential requests`,
    baseSockets,
    sequentialRequests,
    sequentialSeconds,
  );

  await ask(child, { type: 'queue-slow', count: cancelledRequests, delayMs: paceMs }, 'queued');
  const t1 = performance.now();
  let cancelled = 0;
  for (let i = 0; i < cancelledRequests; i++) if ((await cancelledAfterFirstText()) !== '') cancelled++;
  const cancelSeconds = (performance.now() - t1) / 1000;
  const afterCancel = await measure(
    `after ${cancelledRequests.toLocaleString('en')} requests cancelled mid-stream`,
    baseSockets,
    cancelledRequests,
    cancelSeconds,
  );
  const server = await ask(child, { type: 'stats' }, 'stats');

  provider.destroy();
  child.removeAllListeners('exit');
  child.send({ type: 'close' });
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));

  // ——— verdict ———
  const snapshots = [before, afterSequential, afterCancel];
  const rssGrowth = afterCancel.rss - before.rss;
  const heapGrowth = afterCancel.heapUsed - before.heapUsed;
  const handleGrowth = totalHandles(afterCancel.handles) - totalHandles(before.handles);
  const totalRequests = sequentialRequests + cancelledRequests;
  const perRequest = (bytes: number): string => `${fmt(bytes / totalRequests, 0)} B/request`;
  const heapOk = heapGrowth < 8 * mib;
  const rssOk = rssGrowth < 48 * mib;
  const handlesOk = handleGrowth <= 0;
  const correct =
    wrong === 0 &&
    cancelled === cancelledRequests &&
    server.ok === warmUpRequests + sequentialRequests + cancelledRequests &&
    server.slow === cancelledRequests;
  const label =
    heapOk && rssOk && handlesOk && correct
      ? '**No leak detected**'
      : gc === undefined && handlesOk && correct
        ? '**No handle leak; memory inconclusive without a forced GC**'
        : '**Check**';
  const verdict = `${label}: over ${totalRequests.toLocaleString('en')} requests heapUsed ${heapGrowth >= 0 ? '+' : ''}${fmt(heapGrowth / mib, 2)} MiB (${perRequest(heapGrowth)}), RSS ${rssGrowth >= 0 ? '+' : ''}${fmt(rssGrowth / mib)} MiB (${perRequest(rssGrowth)}), active handles ${handleGrowth >= 0 ? '+' : ''}${handleGrowth}; ${wrong} wrong replies, ${cancelled}/${cancelledRequests} cancelled after their first chunk${gc === undefined ? ' (no forced GC: run with --expose-gc for steadier figures)' : ''}.`;

  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const machine = `${cpu}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 1024 ** 3, 0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
  const rows = snapshots.map(
    (s) =>
      `| ${s.label} | ${fmt(s.rss / mib)} | ${fmt(s.heapUsed / mib, 2)} | ${totalHandles(s.handles)} (${formatHandles(s.handles)}) | ${s.seconds === undefined ? '–' : fmt(s.seconds, 2)} | ${s.seconds === undefined || s.requests === undefined ? '–' : fmt(s.requests / s.seconds, 0)} |`,
  );
  const section = `<!-- soak:start -->
## Soak: one provider, ${totalRequests.toLocaleString('en')} requests

Written by \`bench/soak.ts\`. One \`YqcloudProvider\` (keep-alive) sends ${warmUpRequests} warm-up requests, then
${sequentialRequests.toLocaleString('en')} sequential requests that the emulator answers with a short reply (one piece, no delay), then
${cancelledRequests.toLocaleString('en')} requests whose long reply the emulator paces (a \`slow\` fault: ${pacedReply.length} characters, 64 every ${paceMs} ms),
each unsubscribed as soon as its first text chunk arrives. The emulator (\`startEmulator\`) runs in
a child process, so only the client is measured. Each point is taken once the client's sockets have settled (at most
3 s) and${gc === undefined ? ' without a forced GC' : ' after `global.gc()`'}; handles are \`process.getActiveResourcesInfo()\` by type (the IPC pipe and the process handle of the emulator's process count too; idle kept-alive sockets do not, as Node's agent unrefs them).

- Command: \`node --expose-gc --import tsx bench/soak.ts\` (or \`npx tsx bench/soak.ts\`, without forced GC)${gc === undefined ? ' — this run: without forced GC' : ''}
- Machine: ${machine}
- Date: ${new Date().toISOString().slice(0, 10)}

| point | RSS (MiB) | heapUsed (MiB) | active handles | phase duration (s) | requests/s |
|---|---:|---:|---|---:|---:|
${rows.join('\n')}

Emulator side after the run: ${server.requests.toLocaleString('en')} requests received, ${server.ok.toLocaleString('en')} answered 200 (${server.slow.toLocaleString('en')} of them paced), ${server.openConnections} connection(s) still open (the provider's kept-alive one, if any).

${verdict}
<!-- soak:end -->`;

  process.stdout.write(`${section.replace(/<!-- soak:(start|end) -->\n?/g, '')}\n`);

  const doc = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
  const markers = /<!-- soak:start -->[\s\S]*?<!-- soak:end -->/;
  const current = existsSync(doc) ? readFileSync(doc, 'utf8') : undefined;
  const next =
    current === undefined
      ? `${section}\n`
      : markers.test(current)
        ? current.replace(markers, () => section)
        : `${current.replace(/\n*$/, '\n')}\n${section}\n`;
  writeFileSync(doc, next);
  process.stdout.write(`wrote the soak section of ${doc}\n`);
};

if (process.argv.includes('--serve')) await serve();
else await run();
