/**
 * Draws the trace of one real reply as an SVG (docs/trace.svg): a real run, one process, of a
 * `RelayProvider` (whose fetch sends `traceparent`, as a fetch instrumentation does) calling the
 * relay, whose `YqcloudProvider` calls the emulator, every part given the SDK's tracer; the spans
 * are taken from the in-memory exporter, each drawn as a bar on the reply's timeline with its
 * attributes under it.
 *
 *   npx tsx tools/traceFigure.ts
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { HrTime } from '@opentelemetry/api';
import { context, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { lastValueFrom } from 'rxjs';
import { startEmulator } from '../lib/emulator/index.js';
import { RelayProvider } from '../lib/provider/relayProvider.js';
import { YqcloudProvider } from '../lib/provider/yqcloudProvider.js';
import { bearerToken, createRelayHandler } from '../lib/server/index.js';
import { openTelemetry, traceContext } from '../spec/support/openTelemetry.js';

const out = fileURLToPath(new URL('../docs/trace.svg', import.meta.url));

const ms = (t: HrTime): number => t[0] * 1000 + t[1] / 1e6;

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const kinds: Readonly<Record<number, string>> = {
  [SpanKind.INTERNAL]: 'INTERNAL',
  [SpanKind.SERVER]: 'SERVER',
  [SpanKind.CLIENT]: 'CLIENT',
  [SpanKind.PRODUCER]: 'PRODUCER',
  [SpanKind.CONSUMER]: 'CONSUMER',
};

/** The spans in tree order (each after its parent), with their depth. */
const treeOf = (spans: ReadonlyArray<ReadableSpan>): ReadonlyArray<readonly [ReadableSpan, number]> => {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const childrenOf = (parent: string | undefined): ReadonlyArray<ReadableSpan> =>
    spans
      .filter((s) => {
        const p = s.parentSpanContext?.spanId;
        return parent === undefined ? p === undefined || !ids.has(p) : p === parent;
      })
      .sort((a, b) => ms(a.startTime) - ms(b.startTime));
  const walk = (span: ReadableSpan, depth: number): ReadonlyArray<readonly [ReadableSpan, number]> => [
    [span, depth],
    ...childrenOf(span.spanContext().spanId).flatMap((child) => walk(child, depth + 1)),
  ];
  return childrenOf(undefined).flatMap((root) => walk(root, 0));
};

const valueText = (value: unknown): string => (Array.isArray(value) ? JSON.stringify(value) : String(value));

/** The SVG of the spans: a timeline bar per span, its attributes under it. */
export const traceSvg = (spans: ReadonlyArray<ReadableSpan>, title: string): string => {
  const rows = treeOf(spans);
  const t0 = Math.min(...spans.map((s) => ms(s.startTime)));
  const t1 = Math.max(...spans.map((s) => ms(s.endTime)));
  const width = 980;
  const left = 20;
  const barLeft = 430;
  const barWidth = width - barLeft - 20;
  const x = (t: number): number => barLeft + ((t - t0) / Math.max(t1 - t0, 1e-3)) * barWidth;
  const parts: Array<string> = [];
  let y = 48;
  for (const [span, depth] of rows) {
    const indent = left + depth * 22;
    const error = span.status.code === SpanStatusCode.ERROR;
    const start = x(ms(span.startTime));
    const end = Math.max(x(ms(span.endTime)), start + 2);
    parts.push(
      `<text x="${indent}" y="${y}" class="name">${escapeXml(span.name)} <tspan class="kind">${kinds[span.kind] ?? ''}${error ? ' · ERROR' : ''}</tspan></text>`,
      `<rect x="${start.toFixed(1)}" y="${y - 13}" width="${(end - start).toFixed(1)}" height="16" rx="3" class="${error ? 'bar error' : 'bar'}"/>`,
      `<text x="${(end + 6 > width - 90 ? start - 6 : end + 6).toFixed(1)}" y="${y}" class="time" text-anchor="${end + 6 > width - 90 ? 'end' : 'start'}">${ms(span.duration) >= 10 ? ms(span.duration).toFixed(0) : ms(span.duration).toFixed(2)} ms</text>`,
    );
    const firstChunk = span.attributes['gen_ai.response.time_to_first_chunk'];
    if (typeof firstChunk === 'number') {
      const at = x(ms(span.startTime) + firstChunk * 1000);
      parts.push(
        `<line x1="${at.toFixed(1)}" y1="${y - 16}" x2="${at.toFixed(1)}" y2="${y + 6}" class="tick"/>`,
        `<text x="${(at + 4).toFixed(1)}" y="${y + 14}" class="time">first chunk</text>`,
      );
    }
    y += 20;
    for (const key of Object.keys(span.attributes).sort()) {
      parts.push(
        `<text x="${indent + 14}" y="${y}" class="attr"><tspan class="key">${escapeXml(key)}</tspan> = ${escapeXml(valueText(span.attributes[key]))}</text>`,
      );
      y += 15;
    }
    for (const event of span.events) {
      parts.push(
        `<text x="${indent + 14}" y="${y}" class="attr"><tspan class="key">event</tspan> ${escapeXml(event.name)}</text>`,
      );
      y += 15;
    }
    y += 14;
  }
  const height = y;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, Menlo, Consolas, monospace">
<style>
  .title { font: 600 15px sans-serif; fill: #111; }
  .name { font-size: 13px; font-weight: 600; fill: #111; }
  .kind { font-weight: 400; fill: #666; }
  .time { font-size: 11px; fill: #444; }
  .attr { font-size: 11px; fill: #333; }
  .key { fill: #1f5fa8; }
  .bar { fill: #6aa6e8; }
  .bar.error { fill: #e07a6a; }
  .tick { stroke: #123; stroke-width: 2; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${left}" y="24" class="title">${escapeXml(title)}</text>
<text x="${width - 20}" y="24" class="time" text-anchor="end">trace ${escapeXml([...new Set(spans.map((span) => span.spanContext().traceId))].join(', '))}</text>
<line x1="${barLeft}" y1="32" x2="${barLeft + barWidth}" y2="32" stroke="#ccc"/>
${parts.join('\n')}
</svg>
`;
};

/** A fetch that sends the active span's context as `traceparent`, as a fetch instrumentation does. */
const tracedFetch: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
  return fetch(input, { ...init, headers });
};

const main = async (): Promise<void> => {
  const stop = traceContext();
  const emulator = await startEmulator({ delayMs: 5 });
  const otel = openTelemetry();
  const provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint, telemetry: { tracer: otel.tracer } });
  const token = 'trace-figure';
  const relay = createRelayHandler({ provider, authorize: bearerToken(token), telemetry: { tracer: otel.tracer } });
  const server = http.createServer(relay);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new RelayProvider({
    url: `http://127.0.0.1:${port}/api/chat`,
    headers: { authorization: `Bearer ${token}` },
    fetch: tracedFetch,
    telemetry: { tracer: otel.tracer },
  });
  try {
    await lastValueFrom(client.create({ messages: [{ role: 'user', content: 'What does yqcloud-rx do?' }] }));
    writeFileSync(
      out,
      traceSvg(
        otel.finishedSpans(),
        'One reply, real run: RelayProvider → the relay (traceparent) → YqcloudProvider → emulator',
      ),
    );
    console.log(`wrote ${out}`);
  } finally {
    provider.destroy();
    server.closeAllConnections();
    server.close();
    await emulator.close();
    await otel.shutdown();
    stop();
  }
};

await main();
