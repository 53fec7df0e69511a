/**
 * `npm run bench`: runs every scenario for every client, each run in a fresh process against one
 * loopback server process, repeats each run (5 by default), prints the table with medians and
 * min/max and the ratio to raw node, and rewrites docs/benchmarks.md and docs/benchmarks.svg.
 * Asserts nothing: benchmarks are not tests.
 *
 *   npm run bench [-- --runs 5]
 *
 * @module
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../', import.meta.url));
const run = promisify(execFile);
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

type Figures = Readonly<Record<string, number>>;

interface Metric {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  /** Whether more is better (for the ratio's direction). */
  readonly higherIsBetter: boolean;
}

interface Scenario {
  readonly name: string;
  readonly title: string;
  readonly clients: ReadonlyArray<string>;
  readonly metrics: ReadonlyArray<Metric>;
  readonly target: string;
}

const core = ['raw', 'axios', 'yqcloud-rx'];
const scenarios: ReadonlyArray<Scenario> = [
  {
    name: 'small',
    title: 'small pieces: 50,000 × 16 B, no gap',
    clients: core,
    metrics: [
      { key: 'mbPerS', label: 'MB/s', unit: '', higherIsBetter: true },
      { key: 'coldMbPerS', label: 'MB/s, first reply (cold JIT)', unit: '', higherIsBetter: true },
      { key: 'chunks', label: 'text chunks', unit: '', higherIsBetter: true },
      { key: 'cpuMs', label: 'CPU', unit: 'ms', higherIsBetter: false },
    ],
    target: 'MB/s ≥ 0.5× raw',
  },
  {
    name: 'bulk',
    title: 'bulk: 2,000 × 16 KiB',
    clients: core,
    metrics: [
      { key: 'mbPerS', label: 'MB/s', unit: '', higherIsBetter: true },
      { key: 'coldMbPerS', label: 'MB/s, first reply (cold JIT)', unit: '', higherIsBetter: true },
      { key: 'peakRssMiB', label: 'peak RSS', unit: 'MiB', higherIsBetter: false },
    ],
    target: 'MB/s ≥ 0.8× raw',
  },
  {
    name: 'latency',
    title: 'latency: 300 sequential one-piece replies',
    clients: core,
    metrics: [
      { key: 'p50Ms', label: 'first chunk p50', unit: 'ms', higherIsBetter: false },
      { key: 'p99Ms', label: 'first chunk p99', unit: 'ms', higherIsBetter: false },
      { key: 'connections', label: 'TCP connections', unit: '', higherIsBetter: false },
    ],
    target: 'p50 within +1 ms of raw; 1–2 connections',
  },
  {
    name: 'concurrency',
    title: 'concurrency: 2,000 streams of 200 × 32 B, 5 ms apart',
    clients: core,
    metrics: [
      { key: 'p50Ms', label: 'first chunk p50', unit: 'ms', higherIsBetter: false },
      { key: 'p99Ms', label: 'first chunk p99', unit: 'ms', higherIsBetter: false },
      { key: 'peakRssMiB', label: 'peak RSS', unit: 'MiB', higherIsBetter: false },
      { key: 'kibPerStream', label: 'RSS per stream', unit: 'KiB', higherIsBetter: false },
    ],
    target: '≤ 100 KiB RSS per stream',
  },
  {
    name: 'cancel',
    title: 'cancellation: 1,000 streams unsubscribed mid-body',
    clients: core,
    metrics: [
      { key: 'p50Ms', label: 'cancel → socket closed p50', unit: 'ms', higherIsBetter: false },
      { key: 'p99Ms', label: 'cancel → socket closed p99', unit: 'ms', higherIsBetter: false },
    ],
    target: 'p99 ≤ 10 ms',
  },
  {
    name: 'pacing',
    title: 'pacing: 4 pieces 100 ms apart',
    clients: core,
    metrics: [
      { key: 'chunks', label: 'chunks delivered', unit: '', higherIsBetter: true },
      { key: 'firstLagMs', label: 'first piece: written → delivered', unit: 'ms', higherIsBetter: false },
    ],
    target: '4 chunks, the first within 10 ms',
  },
  {
    name: 'small',
    title: 'operators on the small-pieces stream',
    clients: ['raw', 'yqcloud-rx', 'yqcloud-rx+bufferText', 'yqcloud-rx+accumulateText'],
    metrics: [
      { key: 'mbPerS', label: 'MB/s', unit: '', higherIsBetter: true },
      { key: 'chunks', label: 'values delivered', unit: '', higherIsBetter: true },
      { key: 'cpuMs', label: 'CPU', unit: 'ms', higherIsBetter: false },
    ],
    target: '(no target; the cost of the operators)',
  },
];

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const fmt = (n: number): string =>
  Number.isNaN(n) ? '–' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);

const startServer = (): Promise<{ port: string; stop: () => void }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/server.ts')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', (data: Buffer) => resolve({ port: data.toString().trim(), stop: () => child.kill() }));
    child.once('error', reject);
  });

const measure = async (port: string, client: string, scenario: string): Promise<Figures> => {
  // `--import tsx` rather than tsx's command line, which runs the script in a child process
  // without `--expose-gc` (so `global.gc` was missing and the idle baseline was taken unswept).
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(root, 'bench/client.ts'), client, scenario, port],
    {
      cwd: root,
      maxBuffer: 1 << 20,
      timeout: 120_000,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Figures;
};

interface Row {
  readonly scenario: Scenario;
  readonly client: string;
  readonly metric: Metric;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly ratio: number;
}

const main = async (): Promise<void> => {
  await run(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json')], { cwd: root });
  const server = await startServer();
  const rows: Array<Row> = [];
  try {
    for (const scenario of scenarios) {
      const figures: Record<string, Array<Figures>> = {};
      for (let i = 0; i < runs; i++)
        for (const client of scenario.clients) {
          figures[client] ??= [];
          figures[client].push(await measure(server.port, client, scenario.name));
        }
      for (const metric of scenario.metrics) {
        const rawMedian = median((figures.raw ?? []).map((f) => f[metric.key] ?? Number.NaN));
        for (const client of scenario.clients) {
          const values = (figures[client] ?? []).map((f) => f[metric.key] ?? Number.NaN);
          const m = median(values);
          rows.push({
            scenario,
            client,
            metric,
            median: m,
            min: Math.min(...values),
            max: Math.max(...values),
            ratio: m / rawMedian,
          });
        }
      }
      process.stdout.write(`done: ${scenario.title}\n`);
    }
  } finally {
    server.stop();
  }
  const table = renderTable(rows);
  process.stdout.write(`\n${table}\n`);
  const doc = join(root, 'docs/benchmarks.md');
  writeFileSync(doc, renderDoc(table, existsSync(doc) ? soakSection(readFileSync(doc, 'utf8')) : ''));
  writeFileSync(join(root, 'docs/benchmarks.svg'), renderSvg(rows));
  process.stdout.write('wrote docs/benchmarks.md and docs/benchmarks.svg\n');
};

const renderTable = (rows: ReadonlyArray<Row>): string =>
  [
    '| scenario | metric | client | median | min – max | × raw | target |',
    '|---|---|---|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario.title} | ${r.metric.label}${r.metric.unit === '' ? '' : ` (${r.metric.unit})`} | ${r.client} | ${fmt(r.median)} | ${fmt(r.min)} – ${fmt(r.max)} | ${r.client === 'raw' ? '1' : fmt(r.ratio)} | ${r.scenario.target} |`,
    ),
  ].join('\n');

const machine = (): string =>
  `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;

/** The soak figures (written by `bench/soak.ts` between its markers), kept across bench runs. */
const soakSection = (doc: string): string => /<!-- soak:start -->[\s\S]*<!-- soak:end -->/.exec(doc)?.[0] ?? '';

const renderDoc = (table: string, soak: string): string => `# Benchmarks

Written by \`npm run bench\` (${runs} runs of every scenario; each run of each client in its own
process, against one loopback server process that streams the service's shape: plain UTF-8
pieces, chunked, no framing). \`raw\` is \`node:http\` with a keep-alive agent and a streaming
\`TextDecoder\` — the physical limit; \`axios\` is axios with \`responseType: 'stream'\` used
directly; \`yqcloud-rx\` is \`create\` + subscribe on the built package. "× raw" is the
median's ratio to raw's median in the same run. Throughput (MB/s) is measured over five
replies in a row, after one of the same shape has warmed the JIT (and a forced collection), so
the collections that each reply's garbage costs the next are counted; the first reply's own rate
is shown too ("first reply (cold JIT)"). A cancelled stream is unsubscribed after its 1st to
20th piece, so the cancels of a batch spread over the body rather than reaching the server at
once.

- Machine: ${machine()}
- Command: \`npm run bench\` (\`tsx bench/run.ts --runs ${runs}\`)
- Date: ${new Date().toISOString().slice(0, 10)}

![Ratio to raw node per scenario](benchmarks.svg)

${table}

Benchmarks are not tests: \`npm test\` asserts no timing.

## Memory kept between replies

A stream keeps the text it delivered, so that an error's \`partialText\` and the conversation chunk
hold exactly what the subscriber received; raw node and axios keep nothing. Its body's bytes are
copied into byte blocks (1 KiB, doubling up to 1 MiB) that the provider gives to its later
replies, keeping at most \`maxResponseBytes\` (default 8 MiB, never more than 32 MiB) of them idle
between replies; \`provider.destroy()\` drops them. The text is decoded again from them only when
asked for. So yqcloud-rx's peak RSS on the bulk scenario is the reply in flight plus one reply's
worth of idle blocks above raw node's, and its RSS per concurrent stream includes the reply kept
so far (up to 6.4 KB at 200 × 32 B, in 7 KiB of blocks). Keeping the transport's own buffers
instead ran the bulk scenario at ~0.68× raw: the external memory they hold made V8 collect the
whole heap during the next reply.
${soak === '' ? '' : `\n${soak}\n`}`;

const renderSvg = (rows: ReadonlyArray<Row>): string => {
  const shown = rows.filter((r) => r.client !== 'raw' && r.metric.key !== 'chunks' && r.metric.key !== 'connections');
  const width = 900;
  const barHeight = 16;
  const left = 430;
  const height = 60 + shown.length * (barHeight + 6);
  const maxRatio = Math.max(2, ...shown.map((r) => (Number.isFinite(r.ratio) ? r.ratio : 0)));
  const x = (ratio: number): number => left + (Math.min(ratio, maxRatio) / maxRatio) * (width - left - 60);
  const bars = shown
    .map((r, i) => {
      const y = 40 + i * (barHeight + 6);
      const ratio = Number.isFinite(r.ratio) ? r.ratio : 0;
      const colour = r.client.startsWith('yqcloud-rx') ? '#3b6fd8' : '#999';
      return `<text x="${left - 8}" y="${y + 12}" text-anchor="end" font-size="11">${escapeXml(`${r.scenario.name} · ${r.metric.label} · ${r.client}`)}</text><rect x="${left}" y="${y}" width="${Math.max(1, x(ratio) - left)}" height="${barHeight}" fill="${colour}"/><text x="${x(ratio) + 4}" y="${y + 12}" font-size="11">${fmt(ratio)}×</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="20" font-size="14" font-weight="bold">yqcloud-rx and axios as a ratio to raw node (median of ${runs} runs; 1× = raw)</text>
<line x1="${x(1)}" y1="30" x2="${x(1)}" y2="${height - 10}" stroke="#c00" stroke-dasharray="4 3"/>
${bars}
</svg>
`;
};

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

await main();
