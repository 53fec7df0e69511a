/**
 * `npm run bench`: compiles the library and the bench, runs every scenario for every client, each
 * run in a fresh `node` process against one loopback server process, repeats each run (5 by
 * default, 3 for the relay scenarios), measures the import cost and the first request of a fresh
 * process, prints the headline table (every figure of the performance issue, for raw, axios and
 * yqcloud-rx over each transport, with the load) and the full table with medians, min/max, the
 * ratio to raw node and the load average, and rewrites docs/benchmarks.md, docs/benchmarks.json
 * and docs/benchmarks.svg (drawn by bench/chart.ts). Asserts nothing: benchmarks are not tests.
 *
 *   npm run bench [-- --runs 5] [-- --only small,bulk,latency,concurrency,concurrency-200,cancel,pacing,first-request,relay-1000,relay-3000,relay-5000,import]
 *
 * @module
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BenchResults, type ChartFigure, renderChart } from './chart.js';

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
  /** Runs of this scenario when fewer than `--runs` (the relay ones take 10–60 s each). */
  readonly runs?: number;
  /** The script each run executes (default `client.js`, which runs a harness scenario). */
  readonly script?: string;
}

const core = ['raw', 'axios', 'yqcloud-rx', 'yqcloud-rx node', 'yqcloud-rx fetch'];
const withKeepText = [
  'raw',
  'axios',
  'yqcloud-rx',
  'yqcloud-rx keepText:false',
  'yqcloud-rx node',
  'yqcloud-rx node keepText:false',
  'yqcloud-rx fetch',
];
// fetch is the browser's transport; a relay's upstream runs in Node.
const relayClients = [
  'raw',
  'axios',
  'yqcloud-rx',
  'yqcloud-rx keepText:false',
  'yqcloud-rx node',
  'yqcloud-rx node keepText:false',
];
const relayMetrics: ReadonlyArray<Metric> = [
  { key: 'upMs', label: 'time until every stream had its first piece', unit: 'ms', higherIsBetter: false },
  { key: 'upCpuUsPerStream', label: 'CPU per stream brought up', unit: 'µs', higherIsBetter: false },
  { key: 'chunksPerS', label: 'pieces delivered per second', unit: '', higherIsBetter: true },
  { key: 'deliveredShare', label: 'share of the pieces sent', unit: '', higherIsBetter: true },
  { key: 'eldP99Ms', label: 'event-loop delay p99', unit: 'ms', higherIsBetter: false },
  { key: 'cpuMsPer1000Chunks', label: 'CPU per 1,000 pieces', unit: 'ms', higherIsBetter: false },
  { key: 'kibPerStream', label: 'RSS per stream', unit: 'KiB', higherIsBetter: false },
  { key: 'heapKibPerStream', label: 'heap per stream', unit: 'KiB', higherIsBetter: false },
];
const relayScenario = (n: number, target: string): Scenario => ({
  name: `relay-${n}`,
  title: `relay: ${n.toLocaleString('en')} streams, 20 B every 50 ms each`,
  clients: relayClients,
  metrics: relayMetrics,
  target,
  runs: 3,
});
const scenarios: ReadonlyArray<Scenario> = [
  {
    name: 'small',
    title: 'small pieces: 50,000 × 16 B, no gap',
    clients: withKeepText,
    metrics: [
      { key: 'mbPerS', label: 'MB/s', unit: '', higherIsBetter: true },
      { key: 'coldMbPerS', label: 'MB/s, first reply (cold JIT)', unit: '', higherIsBetter: true },
      { key: 'chunks', label: 'text chunks', unit: '', higherIsBetter: true },
      { key: 'cpuMs', label: 'CPU', unit: 'ms', higherIsBetter: false },
    ],
    target: 'MB/s ≥ 0.97× raw (nodeTransport), ≥ 0.9× (axios, the default)',
  },
  {
    name: 'bulk',
    title: 'bulk: 2,000 × 16 KiB',
    clients: withKeepText,
    metrics: [
      { key: 'mbPerS', label: 'MB/s', unit: '', higherIsBetter: true },
      { key: 'coldMbPerS', label: 'MB/s, first reply (cold JIT)', unit: '', higherIsBetter: true },
      { key: 'cpuMs', label: 'CPU', unit: 'ms', higherIsBetter: false },
      { key: 'peakRssMiB', label: 'peak RSS', unit: 'MiB', higherIsBetter: false },
    ],
    target: 'MB/s ≥ 0.97× raw (nodeTransport), ≥ 0.9× (axios, the default)',
  },
  {
    name: 'latency',
    title: 'latency: 300 sequential one-piece replies',
    clients: core,
    metrics: [
      { key: 'p50Ms', label: 'first chunk p50', unit: 'ms', higherIsBetter: false },
      { key: 'p99Ms', label: 'first chunk p99', unit: 'ms', higherIsBetter: false },
      { key: 'cpuUsPerRequest', label: 'CPU per request', unit: 'µs', higherIsBetter: false },
      { key: 'connections', label: 'TCP connections', unit: '', higherIsBetter: false },
    ],
    target: 'nodeTransport: p50 ≤ raw + 0.1 ms; CPU per request ≤ 1.3× raw; 1–2 connections',
  },
  {
    name: 'concurrency-200',
    title: 'concurrency: 200 streams of 20 × 32 B, 5 ms apart, started at once',
    clients: core,
    metrics: [
      { key: 'p50Ms', label: 'first chunk p50', unit: 'ms', higherIsBetter: false },
      { key: 'cpuMs', label: 'client CPU', unit: 'ms', higherIsBetter: false },
      { key: 'peakRssMiB', label: 'peak RSS', unit: 'MiB', higherIsBetter: false },
    ],
    target: 'nodeTransport: first chunk p50 ≤ 1.3× raw',
  },
  {
    name: 'first-request',
    title: 'the first request of a fresh process (imports included)',
    clients: core,
    metrics: [
      { key: 'firstChunkMs', label: 'script start → first chunk', unit: 'ms', higherIsBetter: false },
      { key: 'importMs', label: 'of which imports', unit: 'ms', higherIsBetter: false },
      { key: 'sinceProcessStartMs', label: 'process start → first chunk', unit: 'ms', higherIsBetter: false },
    ],
    target: '≤ raw + 30 ms',
    script: 'firstRequest.js',
  },
  {
    name: 'concurrency',
    title: 'concurrency: 2,000 streams of 200 × 32 B, 5 ms apart',
    clients: core,
    metrics: [
      { key: 'p50Ms', label: 'first chunk p50', unit: 'ms', higherIsBetter: false },
      { key: 'p99Ms', label: 'first chunk p99', unit: 'ms', higherIsBetter: false },
      { key: 'allMs', label: 'all 2,000 replies done', unit: 'ms', higherIsBetter: false },
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
  {
    name: 'latency',
    title: 'first chunk, direct and through the relay',
    clients: ['raw', 'through-relay'],
    metrics: [
      { key: 'p50Ms', label: 'first chunk p50', unit: 'ms', higherIsBetter: false },
      { key: 'p99Ms', label: 'first chunk p99', unit: 'ms', higherIsBetter: false },
    ],
    target: '(no target; the relay hop: HTTP in, provider, SSE out)',
  },
  relayScenario(1_000, '(no target)'),
  relayScenario(3_000, 'event-loop delay p99 ≤ 1.5× raw; RSS per stream ≤ 1.3× raw (keepText: false)'),
  relayScenario(5_000, 'bring-up ≤ 1.5× raw'),
  {
    name: 'relay-through-2000',
    title: 'through the relay: 2,000 streams, 20 B every 50 ms each',
    clients: ['through-relay'],
    metrics: [
      { key: 'upMs', label: 'time until every stream had its first piece', unit: 'ms', higherIsBetter: false },
      { key: 'deliveredShare', label: 'share of the pieces sent', unit: '', higherIsBetter: true },
      { key: 'relayEldP99Ms', label: 'relay event-loop delay p99', unit: 'ms', higherIsBetter: false },
      { key: 'relayCpuMsPer1000Chunks', label: 'relay CPU per 1,000 pieces', unit: 'ms', higherIsBetter: false },
      { key: 'relayKibPerStream', label: 'relay RSS per stream', unit: 'KiB', higherIsBetter: false },
      { key: 'relayHeapKibPerStream', label: 'relay heap per stream', unit: 'KiB', higherIsBetter: false },
    ],
    target: '(no target; absolute figures of the relay process)',
    runs: 3,
  },
];

const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const fmt = (n: number): string =>
  Number.isNaN(n) ? '–' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);

const out = join(root, 'dist-check/bench');

const startServer = (): Promise<{ port: string; backlog: string; stop: () => void }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(out, 'server.js')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', (data: Buffer) => {
      const [port = '', backlog = ''] = data.toString().trim().split(' ');
      resolve({ port, backlog, stop: () => child.kill() });
    });
    child.once('error', reject);
  });

/** The machine's 1-minute load average, read with every figure. */
const load = (): number => os.loadavg()[0] ?? Number.NaN;

type Measured = Figures & { readonly load: number };

/** The relay (`bench/relayServer.ts`) in its own process, in front of the server. */
const startRelay = (upstreamPort: string): Promise<{ port: string; stop: () => void }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', join(out, 'relayServer.js'), upstreamPort], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', (data: Buffer) => resolve({ port: data.toString().trim(), stop: () => child.kill() }));
    child.once('error', reject);
  });

const measure = async (
  port: string,
  relayPort: string,
  client: string,
  scenario: Scenario,
): Promise<{ figures: Measured; options: string }> => {
  const before = load();
  const args =
    scenario.script === undefined
      ? ['--expose-gc', join(out, 'client.js'), client, scenario.name, port, relayPort]
      : [join(out, scenario.script), client, port];
  const { stdout } = await run(process.execPath, args, {
    cwd: root,
    maxBuffer: 1 << 20,
    timeout: 300_000,
  });
  const { options = firstRequestOptions[client] ?? '', ...figures } = JSON.parse(
    stdout.trim().split('\n').at(-1) ?? '{}',
  ) as Figures & {
    options?: string;
  };
  return { figures: { ...figures, load: Math.max(before, load()) }, options };
};

/** What the first-request script does for each client (bench/firstRequest.ts). */
const firstRequestOptions: Readonly<Record<string, string>> = {
  raw: "`await import('node:http')`, one request",
  axios: "`await import('axios')`, one `axios.post` with `responseType: 'stream'`",
  'yqcloud-rx': "`await import('yqcloud-rx')`, one `create` (the default transport, axios, imported on the request)",
  'yqcloud-rx node': "`await import('yqcloud-rx')`, one `create` with `transport: nodeTransport()`",
  'yqcloud-rx fetch': "`await import('yqcloud-rx')`, one `create` with `transport: fetchTransport()`",
};

interface ImportCost {
  readonly importMs: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
}

/**
 * `import('yqcloud-rx')` (and axios alone, rxjs alone, nothing, and yqcloud-rx once rxjs is
 * loaded) in fresh processes, each `runs` times.
 */
const importCosts = async (): Promise<ReadonlyArray<{ specifier: string; cost: ImportCost; load: number }>> => {
  const specifiers = ['-', 'axios', 'rxjs', 'yqcloud-rx', 'yqcloud-rx rxjs'];
  const samples: Record<string, Array<ImportCost>> = {};
  let worst = 0;
  for (let i = 0; i < Math.max(runs, 5); i++)
    for (const specifier of specifiers) {
      worst = Math.max(worst, load());
      const { stdout } = await run(process.execPath, [join(out, 'importCost.js'), ...specifier.split(' ')], {
        cwd: root,
      });
      samples[specifier] = [...(samples[specifier] ?? []), JSON.parse(stdout) as ImportCost];
    }
  return specifiers.map((specifier) => {
    const all = samples[specifier] ?? [];
    return {
      specifier,
      load: worst,
      cost: {
        importMs: median(all.map((c) => c.importMs)),
        rssMiB: median(all.map((c) => c.rssMiB)),
        heapMiB: median(all.map((c) => c.heapMiB)),
      },
    };
  });
};

/**
 * The figures of the performance issue's table, each for raw, axios and yqcloud-rx over each
 * transport (`unkept`: the yqcloud-rx columns are the `keepText: false` clients, as a relay runs).
 */
interface Headline {
  readonly figure: string;
  readonly scenario: string;
  readonly metric: string;
  readonly target: string;
  readonly unkept?: boolean;
  /** Show the difference to raw as well (the target is raw plus a margin). */
  readonly delta?: boolean;
}

const headlines: ReadonlyArray<Headline> = [
  { figure: '16 B pieces, MB/s', scenario: 'small', metric: 'mbPerS', target: 'node ≥ 0.97×; axios default ≥ 0.9×' },
  { figure: '16 KiB pieces, MB/s', scenario: 'bulk', metric: 'mbPerS', target: 'node ≥ 0.97×; axios default ≥ 0.9×' },
  { figure: 'bulk, peak RSS (MiB)', scenario: 'bulk', metric: 'peakRssMiB', target: '—' },
  {
    figure: 'first chunk p50, 300 sequential (ms)',
    scenario: 'latency',
    metric: 'p50Ms',
    target: 'node ≤ raw + 0.1 ms',
    delta: true,
  },
  {
    figure: 'client CPU per request, 300 sequential (µs)',
    scenario: 'latency',
    metric: 'cpuUsPerRequest',
    target: 'node ≤ 1.3×',
  },
  {
    figure: '200 concurrent streams: first chunk p50 (ms)',
    scenario: 'concurrency-200',
    metric: 'p50Ms',
    target: 'node ≤ 1.3×',
  },
  { figure: '200 concurrent streams: client CPU (ms)', scenario: 'concurrency-200', metric: 'cpuMs', target: '—' },
  { figure: '200 concurrent streams: peak RSS (MiB)', scenario: 'concurrency-200', metric: 'peakRssMiB', target: '—' },
  {
    figure: 'first chunk of a fresh process, imports included (ms)',
    scenario: 'first-request',
    metric: 'firstChunkMs',
    target: '≤ raw + 30 ms',
    delta: true,
  },
  {
    figure: 'relay 3,000 streams: event-loop delay p99 (ms)',
    scenario: 'relay-3000',
    metric: 'eldP99Ms',
    target: '≤ max(1.5× raw, raw + 2 ms)',
    unkept: true,
  },
  {
    figure: 'relay 3,000 streams: RSS per stream (KiB)',
    scenario: 'relay-3000',
    metric: 'kibPerStream',
    target: '≤ 1.3×',
    unkept: true,
  },
  {
    figure: 'relay 3,000 streams: heap per stream (KiB)',
    scenario: 'relay-3000',
    metric: 'heapKibPerStream',
    target: 'node ≤ 1.3×',
    unkept: true,
  },
  {
    figure: '5,000 streams: time until all have a first piece (ms)',
    scenario: 'relay-5000',
    metric: 'upMs',
    target: '—',
    unkept: true,
  },
];

const headlineColumns = ['raw', 'axios', 'yqcloud-rx', 'yqcloud-rx node', 'yqcloud-rx fetch'];

const clientOf = (column: string, headline: Headline): string =>
  headline.unkept === true && (column === 'yqcloud-rx' || column === 'yqcloud-rx node')
    ? `${column} keepText:false`
    : column;

interface Row {
  readonly scenario: Scenario;
  readonly client: string;
  readonly metric: Metric;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly ratio: number;
  readonly load: string;
}

const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? new Set((process.argv[onlyArg + 1] ?? '').split(',')) : undefined;

const main = async (): Promise<void> => {
  // The package's own build (tsc, the #fp-ts/#io-ts modules, the bundled Node build that
  // `import('yqcloud-rx')` loads), then the bench's clients.
  await run('npm', ['run', 'build', '--silent'], { cwd: root });
  await run(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'bench/tsconfig.json')], { cwd: root });
  const server = await startServer();
  const relay = await startRelay(server.port);
  const rows: Array<Row> = [];
  const options = new Map<string, Map<string, string>>();
  try {
    for (const scenario of scenarios) {
      if (only !== undefined && !only.has(scenario.name)) continue;
      const figures: Record<string, Array<Measured>> = {};
      for (let i = 0; i < Math.min(runs, scenario.runs ?? runs); i++)
        for (const client of scenario.clients) {
          const measured = await measure(server.port, relay.port, client, scenario);
          figures[client] = [...(figures[client] ?? []), measured.figures];
          const byScenario = options.get(client) ?? new Map<string, string>();
          byScenario.set(scenario.name, measured.options);
          options.set(client, byScenario);
        }
      const chars = new Set(Object.values(figures).flatMap((all) => all.map((f) => f.chars)));
      if (chars.size > 1)
        process.stdout.write(`warning: the clients decoded different text (${[...chars].join(', ')} characters)\n`);
      for (const metric of scenario.metrics) {
        const rawMedian = median((figures.raw ?? []).map((f) => f[metric.key] ?? Number.NaN));
        for (const client of scenario.clients) {
          const all = figures[client] ?? [];
          const values = all.map((f) => f[metric.key] ?? Number.NaN);
          const loads = all.map((f) => f.load);
          const m = median(values);
          rows.push({
            scenario,
            client,
            metric,
            median: m,
            min: Math.min(...values),
            max: Math.max(...values),
            ratio: m / rawMedian,
            load: `${fmt(Math.min(...loads))} – ${fmt(Math.max(...loads))}`,
          });
        }
      }
      process.stdout.write(`done: ${scenario.title} (load ${fmt(load())})\n`);
    }
  } finally {
    relay.stop();
    server.stop();
  }
  const imports = only === undefined || only.has('import') ? await importCosts() : [];
  const headline = renderHeadline(rows);
  const table = renderTable(rows);
  const importTable = renderImports(imports);
  const optionList = renderOptions(options);
  process.stdout.write(`\n${headline}\n\n${table}\n\n${importTable}\n\n${optionList}\n`);
  const allLoads = rows.flatMap((r) => r.load.split(' – ').map(Number));
  const results: BenchResults = {
    date: new Date().toISOString().slice(0, 10),
    machine: machine(),
    runs,
    load: [Math.min(...allLoads, load()), Math.max(...allLoads, load())],
    headline: chartFigures(rows),
    rows: rows.map((r) => ({
      scenario: r.scenario.name,
      title: r.scenario.title,
      metric: r.metric.key,
      label: r.metric.label,
      unit: r.metric.unit,
      client: r.client,
      median: r.median,
      min: r.min,
      max: r.max,
      ratio: r.ratio,
      load: r.load,
    })),
  };
  const doc = join(root, 'docs/benchmarks.md');
  const current = existsSync(doc) ? readFileSync(doc, 'utf8') : '';
  writeFileSync(
    doc,
    renderDoc(headline, table, importTable, optionList, server.backlog, soakSection(current), notesSection(current)),
  );
  writeFileSync(join(root, 'docs/benchmarks.json'), `${JSON.stringify(results, null, 1)}\n`);
  writeFileSync(join(root, 'docs/benchmarks.svg'), renderChart(results));
  process.stdout.write('wrote docs/benchmarks.md, docs/benchmarks.json and docs/benchmarks.svg\n');
};

/** The first scenario of that name (a later one of the same name measures something else). */
const rowOf = (rows: ReadonlyArray<Row>, headline: Headline, client: string): Row | undefined => {
  const scenario = scenarios.find((s) => s.name === headline.scenario);
  return rows.find((r) => r.scenario === scenario && r.metric.key === headline.metric && r.client === client);
};

const renderHeadline = (rows: ReadonlyArray<Row>): string => {
  const lines = headlines.flatMap((headline) => {
    const raw = rowOf(rows, headline, 'raw');
    if (raw === undefined) return [];
    const cells = headlineColumns.map((column) => {
      const row = rowOf(rows, headline, clientOf(column, headline));
      if (row === undefined) return '–';
      if (column === 'raw') return fmt(row.median);
      const delta = row.median - raw.median;
      return `${fmt(row.median)} (${fmt(row.ratio)}×${headline.delta === true ? `, ${delta >= 0 ? '+' : ''}${fmt(delta)}` : ''})`;
    });
    const loads = headlineColumns.flatMap((column) =>
      (rowOf(rows, headline, clientOf(column, headline))?.load ?? '')
        .split(' – ')
        .filter((l) => l !== '')
        .map(Number),
    );
    return [
      `| ${headline.figure} | ${cells.join(' | ')} | ${headline.target} | ${fmt(Math.min(...loads))} – ${fmt(Math.max(...loads))} |`,
    ];
  });
  return lines.length === 0
    ? ''
    : [
        '| figure | raw | axios | yqcloud-rx (axios, default) | yqcloud-rx nodeTransport | yqcloud-rx fetchTransport | target | load (1 min) |',
        '|---|---:|---:|---:|---:|---:|---|---|',
        ...lines,
      ].join('\n');
};

const chartFigures = (rows: ReadonlyArray<Row>): ReadonlyArray<ChartFigure> =>
  headlines.flatMap((headline) =>
    headlineColumns.slice(1).flatMap((column) => {
      const row = rowOf(rows, headline, clientOf(column, headline));
      return row === undefined || !Number.isFinite(row.ratio)
        ? []
        : [
            {
              figure: headline.figure,
              higherIsBetter: row.metric.higherIsBetter,
              client: column,
              median: row.median,
              unit: row.metric.unit,
              ratio: row.ratio,
            },
          ];
    }),
  );

const renderTable = (rows: ReadonlyArray<Row>): string =>
  [
    '| scenario | metric | client | median | min – max | × raw | load (1 min) | target |',
    '|---|---|---|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario.title} | ${r.metric.label}${r.metric.unit === '' ? '' : ` (${r.metric.unit})`} | ${r.client} | ${fmt(r.median)} | ${fmt(r.min)} – ${fmt(r.max)} | ${r.client === 'raw' ? '1' : fmt(r.ratio)} | ${r.load} | ${r.scenario.target} |`,
    ),
  ].join('\n');

const importLabel = (specifier: string): string => {
  if (specifier === '-') return '(nothing)';
  const [module, loadedFirst] = specifier.split(' ');
  return loadedFirst === undefined ? `\`${module}\`` : `\`${module}\`, ${loadedFirst} already loaded`;
};

const renderImports = (imports: ReadonlyArray<{ specifier: string; cost: ImportCost; load: number }>): string =>
  imports.length === 0
    ? ''
    : [
        `Import cost in a fresh \`node\` process (median of ${Math.max(runs, 5)}; load up to ${fmt(imports[0]?.load ?? Number.NaN)}; target for \`yqcloud-rx\`: ≤ 120 ms, ≤ +20 MiB with no proxy):`,
        '',
        '| `import()` of | time (ms) | RSS added (MiB) | heap added (MiB) |',
        '|---|---:|---:|---:|',
        ...imports.map(
          ({ specifier, cost }) =>
            `| ${importLabel(specifier)} | ${fmt(cost.importMs)} | ${fmt(cost.rssMiB)} | ${fmt(cost.heapMiB)} |`,
        ),
      ].join('\n');

const renderOptions = (options: ReadonlyMap<string, ReadonlyMap<string, string>>): string =>
  [
    'Every option a client sets, per scenario (anything not listed is the default):',
    '',
    ...[...options].flatMap(([client, byScenario]) => {
      const distinct = new Map<string, Array<string>>();
      for (const [scenario, option] of byScenario) distinct.set(option, [...(distinct.get(option) ?? []), scenario]);
      return [...distinct].map(
        ([option, scenarios]) =>
          `- \`${client}\`${distinct.size > 1 ? ` (${scenarios.join(', ')})` : ''}: ${option === '' ? 'defaults' : option}`,
      );
    }),
  ].join('\n');

const machine = (): string =>
  `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;

/** The soak figures (written by `bench/soak.ts` between its markers), kept across bench runs. */
const soakSection = (doc: string): string => /<!-- soak:start -->[\s\S]*<!-- soak:end -->/.exec(doc)?.[0] ?? '';

/** The hand-written notes (targets, profiles) between their markers, kept across bench runs. */
const notesSection = (doc: string): string => /<!-- notes:start -->[\s\S]*<!-- notes:end -->/.exec(doc)?.[0] ?? '';

const renderDoc = (
  headline: string,
  table: string,
  imports: string,
  options: string,
  backlog: string,
  soak: string,
  notes: string,
): string => `# Benchmarks

Written by \`npm run bench\` (${runs} runs of every scenario, 3 of each relay one; each run of each
client in its own process, against one loopback server process). The package is built
(\`npm run build\`) and the bench compiled first, and run with plain \`node\` (no TypeScript loader in any measured process).

- Machine: ${machine()}
- Command: \`npm run bench\` (\`tsx bench/run.ts --runs ${runs}\`; \`--only small,relay-3000,import\` runs some)
- Date: ${new Date().toISOString().slice(0, 10)}

## Against the targets

Every figure of the performance issue, for raw \`node:http\`, axios alone, and yqcloud-rx over each
transport it ships: axios (the default), \`nodeTransport()\` and \`fetchTransport()\` (Node's
own \`fetch\`; the browser's transport, so not in the relay scenarios). Each cell is the median
and its ratio to raw's (and, where the target is raw plus a margin, the difference). The relay
rows are the \`keepText: false\` clients, as a relay runs. The load is the machine's 1-minute load
average over that figure's runs (2 cores: above ~1.5, figures are noisy).

${headline}

![Each headline figure as a ratio to raw node:http, higher is better and lower is better](benchmarks.svg)

The chart is drawn by \`bench/chart.ts\` from \`docs/benchmarks.json\` (the bench's figures;
\`tsx bench/chart.ts\` redraws it).

## How it is measured

- The server streams the service's shape: plain UTF-8 text, chunked, no framing; the text mixes
  ASCII with 2-, 3- and 4-byte characters (about a third of its bytes), and pieces are cut by
  bytes, so they split characters. Its listen backlog is ${backlog} (the kernel's \`somaxconn\`), so
  2,000 or 5,000 connects queue instead of paying SYN retries; clients open the relay streams in
  batches of 100, a turn of the event loop apart.
- \`raw\` is \`node:http\` and a streaming \`TextDecoder\`, in a process that loads nothing else (the
  client modules are imported only once the client's name is known): the physical limit.
  \`axios\` is axios used directly; \`yqcloud-rx\` is \`create\` + subscribe on the built package,
  imported by its name, with the default transport; \`yqcloud-rx node\` and \`yqcloud-rx fetch\`
  give the provider \`nodeTransport()\` or \`fetchTransport()\`.
- "× raw" is the median's ratio to raw's median in the same run.
- Throughput (MB/s, of body bytes) is measured over five replies in a row, after one of the same
  shape has warmed the JIT (and a forced collection); the first reply's own rate is shown too.
- Latency: CPU per request is the client process's CPU time over the 300 sequential requests.
- 200 concurrent streams: all started in the same turn, each 20 pieces of 32 B 5 ms apart; first
  chunk p50, the client's CPU time until all 200 ended, and its peak RSS.
- The first request of a process (\`bench/firstRequest.ts\`): a fresh \`node\` per run imports
  what the client needs and sends one request; the time from the script's first line to the
  first piece of text (imports included), the imports' share, and the same from the process's
  start (Node's own start-up included).
- Relay: N streams open at once, each receiving a 20-byte piece every 50 ms (the server spreads
  the streams' pieces over the 50 ms). Bring-up is the time until every stream had its first
  piece; then, over 5 s, pieces delivered per second, the event loop's delay p99 (above the
  10 ms sampling period), CPU per 1,000 pieces, and RSS and heap per stream above the idle
  process (after a collection, the streams still open).

## Every figure

${table}

${imports}

${options}

Benchmarks are not tests: \`npm test\` asserts no timing.

## Memory kept between replies

By default a stream keeps the text it delivered, so that an error's \`partialText\` and the
conversation chunk hold exactly what the subscriber received; raw node and axios keep nothing.
\`create({ …, keepText: false })\` keeps none (a relay forwards each chunk and its own client keeps
the text): an error's \`partialText\` is then \`''\`, and \`returnConversation\` cannot be asked with
it. A kept body's bytes are copied into byte blocks (1 KiB, doubling up to 1 MiB) that the
provider gives to its later replies, keeping at most \`maxResponseBytes\` (default 8 MiB, never
more than 32 MiB) of them idle between replies; \`provider.destroy()\` drops them. The text is
decoded again from them only when asked for. Keeping the transport's own buffers instead ran the
bulk scenario at ~0.68× raw: the external memory they hold made V8 collect the whole heap during
the next reply; copying into reused blocks brought it to 0.8–0.9×. At 2,000 concurrent streams
of 200 × 32 B, joining runs of 16 short pieces rather than 64 took RSS per stream from ~99 KiB to
~93 KiB (keeping no text at all: ~86 KiB).
${notes === '' ? '' : `\n${notes}\n`}${soak === '' ? '' : `\n${soak}\n`}`;

await main();
