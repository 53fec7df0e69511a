/**
 * The benchmark chart: docs/benchmarks.svg drawn from the bench's JSON output
 * (docs/benchmarks.json, written by `npm run bench`). Two panels, one per direction (higher is
 * better, lower is better), each with one group of bars per headline figure and one bar per
 * client, as its ratio to raw `node:http` (the dashed line at 1×); a legend names the clients'
 * colours. `tsx bench/chart.ts` redraws it from the JSON without running the bench again.
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One headline figure of one client, as the bench's JSON holds it. */
export interface ChartFigure {
  /** What is measured (the headline table's row). */
  readonly figure: string;
  readonly higherIsBetter: boolean;
  /** The column: `axios`, `yqcloud-rx`, `yqcloud-rx node`, `yqcloud-rx fetch` (raw is the 1× line). */
  readonly client: string;
  readonly median: number;
  readonly unit: string;
  /** `median` over raw's median. */
  readonly ratio: number;
}

/** What docs/benchmarks.json holds. */
export interface BenchResults {
  readonly date: string;
  readonly machine: string;
  readonly runs: number;
  /** The 1-minute load average's range over the run. */
  readonly load: readonly [number, number];
  readonly headline: ReadonlyArray<ChartFigure>;
  readonly rows: ReadonlyArray<Readonly<Record<string, string | number>>>;
}

const colours: Readonly<Record<string, string>> = {
  axios: '#9a9a9a',
  'yqcloud-rx': '#3b6fd8',
  'yqcloud-rx node': '#1f9e6e',
  'yqcloud-rx fetch': '#d8893b',
};
const legendNames: Readonly<Record<string, string>> = {
  axios: 'axios alone',
  'yqcloud-rx': 'yqcloud-rx, axios (default)',
  'yqcloud-rx node': 'yqcloud-rx, nodeTransport()',
  'yqcloud-rx fetch': 'yqcloud-rx, fetchTransport()',
};

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const fmt = (n: number): string =>
  !Number.isFinite(n) ? '–' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);

const width = 900;
const labelWidth = 300;
const barHeight = 11;
const barGap = 2;
const groupGap = 12;
const cap = 4;

/** One panel: its title, then per figure a label and one bar per client; returns the SVG and its height. */
const panel = (
  title: string,
  figures: ReadonlyArray<ChartFigure>,
  clients: ReadonlyArray<string>,
  top: number,
): { readonly svg: string; readonly height: number } => {
  const names = [...new Set(figures.map((f) => f.figure))];
  const plotLeft = labelWidth + 10;
  const plotWidth = width - plotLeft - 70;
  const x = (ratio: number): number => plotLeft + (Math.min(Math.max(ratio, 0), cap) / cap) * plotWidth;
  const parts: Array<string> = [
    `<text x="10" y="${top + 16}" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  let y = top + 30;
  const plotTop = y;
  for (const name of names) {
    const group = clients
      .map((client) => figures.find((f) => f.figure === name && f.client === client))
      .filter((f): f is ChartFigure => f !== undefined);
    const groupHeight = group.length * (barHeight + barGap);
    parts.push(
      `<text x="${labelWidth}" y="${y + groupHeight / 2 + 4}" text-anchor="end" font-size="11">${escapeXml(name)}</text>`,
    );
    for (const f of group) {
      const ratio = Number.isFinite(f.ratio) ? f.ratio : 0;
      const end = x(ratio);
      const label = `${fmt(ratio)}× (${fmt(f.median)}${f.unit === '' ? '' : ` ${f.unit}`})`;
      // A bar past the axis's end is cut there and says so, its label inside it.
      const cut = ratio > cap;
      parts.push(
        `<rect x="${plotLeft}" y="${y}" width="${Math.max(1, end - plotLeft)}" height="${barHeight}" fill="${colours[f.client] ?? '#666'}"><title>${escapeXml(`${name} · ${legendNames[f.client] ?? f.client}: ${label}`)}</title></rect>`,
        cut
          ? `<text x="${end - 3}" y="${y + barHeight - 2}" font-size="9" text-anchor="end" fill="white">${escapeXml(`${label} ›`)}</text>`
          : `<text x="${end + 3}" y="${y + barHeight - 2}" font-size="9">${escapeXml(label)}</text>`,
      );
      y += barHeight + barGap;
    }
    y += groupGap;
  }
  const ticks = [0, 1, 2, 3, 4]
    .map(
      (t) =>
        `<line x1="${x(t)}" y1="${plotTop - 4}" x2="${x(t)}" y2="${y - groupGap}" stroke="${t === 1 ? '#c00' : '#ddd'}"${t === 1 ? ' stroke-dasharray="4 3"' : ''}/><text x="${x(t)}" y="${plotTop - 6}" font-size="9" text-anchor="middle">${t}×${t === 1 ? ' raw' : ''}</text>`,
    )
    .join('\n');
  return { svg: `${ticks}\n${parts.join('\n')}`, height: y - top };
};

/**
 * The chart's SVG for the bench's results.
 *
 * @example
 * ```ts
 * const svg = renderChart(JSON.parse(readFileSync('docs/benchmarks.json', 'utf8')));
 * ```
 */
export const renderChart = (results: BenchResults): string => {
  const clients = Object.keys(colours).filter((client) => results.headline.some((f) => f.client === client));
  const legendY = 44;
  const legend = clients
    .map(
      (client, i) =>
        `<rect x="${10 + i * 215}" y="${legendY - 9}" width="10" height="10" fill="${colours[client]}"/><text x="${24 + i * 215}" y="${legendY}" font-size="11">${escapeXml(legendNames[client] ?? client)}</text>`,
    )
    .join('\n');
  const panels: Array<string> = [];
  let top = 60;
  for (const [title, higherIsBetter] of [
    ['Higher is better (× raw node:http)', true],
    ['Lower is better (× raw node:http; bars cut at 4×)', false],
  ] as const) {
    const figures = results.headline.filter((f) => f.higherIsBetter === higherIsBetter);
    if (figures.length === 0) continue;
    const drawn = panel(title, figures, clients, top);
    panels.push(drawn.svg);
    top += drawn.height + 10;
  }
  const height = top;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(`yqcloud-rx against raw node:http: median of ${results.runs} runs, ${results.date}, load ${fmt(results.load[0])}–${fmt(results.load[1])}`)}</text>
${legend}
${panels.join('\n')}
</svg>
`;
};

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const docs = new URL('../docs/', import.meta.url);
  const results = JSON.parse(readFileSync(new URL('benchmarks.json', docs), 'utf8')) as BenchResults;
  writeFileSync(new URL('benchmarks.svg', docs), renderChart(results));
  process.stdout.write('wrote docs/benchmarks.svg\n');
}
