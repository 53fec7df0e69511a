// After `tsc -p tsconfig.build.json`, three things tsc cannot do:
// - the CLI entry starts with a node shebang and is executable, as package.json `bin` needs;
// - declarations name fp-ts's own types (`fp-ts/lib/…`) instead of the package-internal
//   `#fp-ts/…` map, which TypeScript's node10 resolution (and type checkers that do not read the
//   dependency's files) cannot follow; the same for the package's own `#…` imports, which become
//   relative paths. The JavaScript keeps `#…`, so bundlers pick fp-ts's ES build and the browser
//   transports;
// - in Node, `#fp-ts/X.js` is dist/fp-ts/X.js: an ES module that requires fp-ts's CommonJS
//   `fp-ts/lib/X.js` and exports the very same names and values. Importing fp-ts's CommonJS
//   modules into ES modules makes Node load each of the dozen modules they require through its
//   ES module loader, several times slower than `require` (docs/architecture.md).
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

const bin = join(dist, 'cli/main.js');
const shebang = '#!/usr/bin/env node\n';
const code = readFileSync(bin, 'utf8');
if (!code.startsWith(shebang)) writeFileSync(bin, shebang + code.replace(/^#![^\n]*\n/, ''));
chmodSync(bin, 0o755);

// The package's own `imports` (`#defaultTransport`, …) become relative paths to their Node build.
const { imports } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const ownImports = Object.entries(imports).filter(([name, target]) => !name.includes('*') && target.default);

for (const entry of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  if (!entry.endsWith('.d.ts')) continue;
  const file = join(dist, entry);
  const text = readFileSync(file, 'utf8');
  let rewritten = text.replace(/(['"])#fp-ts\/([A-Za-z]+)\.js\1/g, '$1fp-ts/lib/$2.js$1');
  for (const [name, target] of ownImports) {
    const path = relative(dirname(file), fileURLToPath(new URL(`../${target.default}`, import.meta.url)));
    rewritten = rewritten.replaceAll(`'${name}'`, `'${path.startsWith('.') ? path : `./${path}`}'`);
  }
  if (rewritten !== text) writeFileSync(file, rewritten);
}

// `#fp-ts/X.js` in Node (package.json's `imports`): one module per fp-ts module the build imports.
const fpTs = new Set();
for (const entry of readdirSync(dist, { recursive: true, encoding: 'utf8' }))
  if (entry.endsWith('.js'))
    for (const [, name] of readFileSync(join(dist, entry), 'utf8').matchAll(/['"]#fp-ts\/([A-Za-z]+)\.js['"]/g))
      fpTs.add(name);
const require = createRequire(import.meta.url);
mkdirSync(join(dist, 'fp-ts'), { recursive: true });
for (const name of fpTs) {
  const names = Object.keys(require(`fp-ts/lib/${name}.js`)).filter((key) => key !== '__esModule');
  writeFileSync(
    join(dist, 'fp-ts', `${name}.js`),
    [
      `// fp-ts/lib/${name}.js, required (see tools/postbuild.mjs): the same names, the same values.`,
      "import { createRequire } from 'node:module';",
      `const m = createRequire(import.meta.url)('fp-ts/lib/${name}.js');`,
      ...names.map((key, i) => `const v${i} = m[${JSON.stringify(key)}];`),
      `export { ${names.map((key, i) => `v${i} as ${key}`).join(', ')} };`,
      '',
    ].join('\n'),
  );
}
