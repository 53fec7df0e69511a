/**
 * What telemetry costs per reply: the same replies with it off and on.
 *
 * Two parts, in one process:
 * - In memory: 20,000 replies of 20 text chunks and `finish` (a synchronous source, so nothing
 *   but the operators is measured), through no operator; `withTelemetry()` with neither tracer
 *   nor meter; with the real OpenTelemetry SDK (a tracer whose spans go to the in-memory exporter
 *   through a `SimpleSpanProcessor`, a meter with a reader that is never collected); the same
 *   with `recordContent`; and the provider's diagnostics channels with a subscriber on each.
 *   Each variant runs a warm-up round, then the median of 5 rounds: µs per reply over the
 *   baseline's.
 * - On loopback: a `YqcloudProvider` against the emulator (no delay), 300 sequential replies
 *   (after 30 warm-up ones) with and without its `telemetry` option: mean µs per reply, and the
 *   process's CPU µs per reply.
 *
 * Prints tables; asserts nothing. The lead takes the final figures on a quiet machine.
 *
 *   npx tsx bench/telemetry.ts [replies]
 *
 * @module
 */
import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { Observable, lastValueFrom, type OperatorFunction } from 'rxjs';
import { finish, text, type Chunk } from '../lib/core/chunk.js';
import { startEmulator } from '../lib/emulator/index.js';
import { replyChannelNames } from '../lib/operators/replyChannelNames.js';
import { withTelemetry } from '../lib/operators/withTelemetry.js';
import { observeReply } from '../lib/provider/observeReply.js';
import { YqcloudProvider } from '../lib/provider/yqcloudProvider.js';
import { openTelemetry } from '../spec/support/openTelemetry.js';

const replies = Number(process.argv[2] ?? 20_000);
const rounds = 5;
const pieces = Array.from({ length: 20 }, (_, i) => text(`piece ${i} of the reply, `));
const messages = [{ role: 'user' as const, content: 'Hello' }];

const reply = new Observable<Chunk>((subscriber) => {
  for (const piece of pieces) subscriber.next(piece);
  subscriber.next(finish);
  subscriber.complete();
});

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** µs per reply, the median of the rounds after a warm-up round. */
const perReply = (operator: OperatorFunction<Chunk, Chunk> | undefined, between: () => void): number => {
  const round = (): number => {
    const source = operator === undefined ? reply : reply.pipe(operator);
    const t0 = performance.now();
    for (let i = 0; i < replies; i++) source.subscribe();
    const us = ((performance.now() - t0) * 1000) / replies;
    between();
    return us;
  };
  round();
  return median(Array.from({ length: rounds }, round));
};

const inMemory = (): void => {
  const otel = openTelemetry();
  const clear = (): void => otel.clearSpans();
  const facts = { model: 'gpt-4', messages, conversationId: undefined, endpoint: 'http://127.0.0.1:1/api' };
  const listeners = Object.values(replyChannelNames).map((name) => {
    const listener = (): void => undefined;
    return [name, listener] as const;
  });
  const rows: Array<readonly [string, number]> = [];
  rows.push(['no operator (baseline)', perReply(undefined, clear)]);
  rows.push(['withTelemetry(), no tracer or meter', perReply(withTelemetry(), clear)]);
  rows.push(['provider watcher, no option, no channel subscriber', perReply(observeReply(undefined, facts), clear)]);
  rows.push([
    'withTelemetry({ tracer }) (SDK, in-memory exporter)',
    perReply(withTelemetry({ tracer: otel.tracer }), clear),
  ]);
  rows.push(['withTelemetry({ meter }) (SDK)', perReply(withTelemetry({ meter: otel.meter }), clear)]);
  rows.push([
    'withTelemetry({ tracer, meter }) (SDK, in-memory)',
    perReply(withTelemetry({ tracer: otel.tracer, meter: otel.meter }), clear),
  ]);
  rows.push([
    'withTelemetry({ tracer, meter, recordContent })',
    perReply(
      withTelemetry({ tracer: otel.tracer, meter: otel.meter, recordContent: true, request: { messages } }),
      clear,
    ),
  ]);
  for (const [name, listener] of listeners) diagnostics.subscribe(name, listener);
  rows.push(['diagnostics channels, a subscriber on each', perReply(observeReply(undefined, facts), clear)]);
  for (const [name, listener] of listeners) diagnostics.unsubscribe(name, listener);
  const base = rows[0]?.[1] ?? Number.NaN;
  console.log(`\nIn memory: ${replies} replies of 21 chunks per round, median of ${rounds} rounds\n`);
  console.log('| variant | µs per reply | over baseline |\n|---|---:|---:|');
  for (const [name, us] of rows) console.log(`| ${name} | ${us.toFixed(2)} | ${(us - base).toFixed(2)} |`);
};

const onLoopback = async (): Promise<void> => {
  const emulator = await startEmulator({ delayMs: 0 });
  const otel = openTelemetry();
  const count = 300;
  const measure = async (provider: YqcloudProvider): Promise<{ us: number; cpuUs: number }> => {
    for (let i = 0; i < 30; i++) await lastValueFrom(provider.create({ messages }));
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < count; i++) await lastValueFrom(provider.create({ messages }));
    const us = ((performance.now() - t0) * 1000) / count;
    const used = process.cpuUsage(cpu);
    otel.clearSpans();
    provider.destroy();
    return { us, cpuUs: (used.user + used.system) / count };
  };
  const rows: Array<readonly [string, { us: number; cpuUs: number }]> = [];
  for (const round of [1, 2]) {
    rows.push([`off (round ${round})`, await measure(new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint }))]);
    rows.push([
      `on: tracer + meter (round ${round})`,
      await measure(
        new YqcloudProvider({
          apiEndpoint: emulator.apiEndpoint,
          telemetry: { tracer: otel.tracer, meter: otel.meter },
        }),
      ),
    ]);
  }
  await emulator.close();
  await otel.shutdown();
  console.log(`\nOn loopback: the emulator (no delay), ${count} sequential replies after 30 warm-up ones\n`);
  console.log('| telemetry | µs per reply (wall) | CPU µs per reply |\n|---|---:|---:|');
  for (const [name, { us, cpuUs }] of rows) console.log(`| ${name} | ${us.toFixed(0)} | ${cpuUs.toFixed(0)} |`);
};

inMemory();
await onLoopback();
