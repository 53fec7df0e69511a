/**
 * The cost of importing a module in a fresh process: `node dist-check/bench/importCost.js
 * <specifier> [<loaded first>]` prints `{ importMs, rssMiB, heapMiB }` (the time of the
 * `import()`, and the RSS and heap it added); `-` imports nothing (the empty process's floor). A
 * second specifier is imported first and not counted: `yqcloud-rx rxjs` is what the library adds
 * to an app that already uses RxJS.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';

const specifier = process.argv[2] ?? '-';
const loadedFirst = process.argv[3];
if (loadedFirst !== undefined) await import(loadedFirst);
const before = process.memoryUsage();
const t0 = performance.now();
if (specifier !== '-') await import(specifier);
const importMs = performance.now() - t0;
const after = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({ importMs, rssMiB: (after.rss - before.rss) / 2 ** 20, heapMiB: (after.heapUsed - before.heapUsed) / 2 ** 20 })}\n`,
);
