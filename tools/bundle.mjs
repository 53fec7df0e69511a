// The Node build (`dist/node/`), after tools/postbuild.mjs: each public entry point of the
// package (package.json `exports` with a `node` target, and `bin`) bundled from its tsc output with
// esbuild, code split so that a module shared by entries stays one instance across them (an error
// made behind 'yqcloud-rx/server' is an instance of the root's `YqcloudError`). Node loads a
// handful of files instead of one ES module per source file, whose loading was most of the
// library's own share of a fresh process's import (docs/benchmarks.md). Dependencies stay
// external; `#rx`, `#fp-ts/*` and `#io-ts/*` resolve to their Node modules (the `default`
// targets), which require RxJS's, fp-ts's and io-ts's CommonJS modules as before. Source maps
// chain through tsc's to the lib/ sources. Bundlers and browsers keep the unbundled tree in
// dist/ with its browser twins: `exports` lists `module` (which bundlers set, Node does not)
// before `node`, so an app bundled for Node bundles RxJS once, as it imports it.
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const outdir = 'dist/node';
/** `dist/node/x.js` → `x`: esbuild's name for an entry's output. */
const outName = (target) => {
  if (!target.startsWith(`./${outdir}/`) || !target.endsWith('.js')) throw new Error(`not under ${outdir}: ${target}`);
  return target.slice(`./${outdir}/`.length, -'.js'.length);
};

const entryPoints = Object.fromEntries(
  Object.values(pkg.exports)
    .filter((target) => typeof target === 'object' && target.node !== undefined)
    .map((target) => [outName(target.node), target.default]),
);
const bin = pkg.bin['yqcloud-rx'];
entryPoints[outName(bin)] = './dist/cli/main.js';

rmSync(new URL(`../${outdir}/`, import.meta.url), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints,
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The `#…` imports take their `default` (Node) targets, not `module`'s (the browser twins).
  conditions: [],
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
// The CLI entry keeps its shebang (esbuild keeps an entry's first line `#!`); npm links it as is.
chmodSync(new URL(`../${bin}`, import.meta.url), 0o755);
