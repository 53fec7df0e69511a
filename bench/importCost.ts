/**
 * The cost of importing a module in a fresh process: `node dist-check/bench/importCost.js
 * <specifier>` prints `{ importMs, rssMiB, heapMiB }` (the time of the `import()`, and the RSS
 * and heap it added); `-` imports nothing (the empty process's floor).
 *
 * @module
 */
import { performance } from 'node:perf_hooks';

const specifier = process.argv[2] ?? '-';
const before = process.memoryUsage();
const t0 = performance.now();
if (specifier !== '-') await import(specifier);
const importMs = performance.now() - t0;
const after = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({ importMs, rssMiB: (after.rss - before.rss) / 2 ** 20, heapMiB: (after.heapUsed - before.heapUsed) / 2 ** 20 })}\n`,
);
