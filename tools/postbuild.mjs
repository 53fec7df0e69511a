// After `tsc -p tsconfig.build.json`, three things tsc cannot do:
// - the CLI entry starts with a node shebang and is executable, as package.json `bin` needs;
// - declarations name fp-ts's and io-ts's own types (`fp-ts/lib/…`) instead of the
//   package-internal `#fp-ts/…` and `#io-ts/…` maps, which TypeScript's node10 resolution (and
//   type checkers that do not read the dependency's files) cannot follow; the same for the
//   package's own `#…` imports, which become relative paths. The JavaScript keeps `#…`, so
//   bundlers pick fp-ts's and io-ts's ES builds and the browser transports;
// - in Node, `#fp-ts/X.js` is dist/fp-ts/X.js: an ES module that requires fp-ts's CommonJS
//   `fp-ts/lib/X.js` and exports the very same names and values (`#io-ts/X.js` likewise).
//   Importing CommonJS modules into ES modules makes Node load each, and every module they
//   require, through its ES module loader, several times slower than `require`
//   (docs/architecture.md).
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
  let rewritten = text.replace(/(['"])#(fp-ts|io-ts)\/([A-Za-z]+)\.js\1/g, '$1$2/lib/$3.js$1');
  for (const [name, target] of ownImports) {
    const path = relative(dirname(file), fileURLToPath(new URL(`../${target.default}`, import.meta.url)));
    rewritten = rewritten.replaceAll(`'${name}'`, `'${path.startsWith('.') ? path : `./${path}`}'`);
  }
  if (rewritten !== text) writeFileSync(file, rewritten);
}

// `#fp-ts/X.js` and `#io-ts/X.js` in Node (package.json's `imports`): one module per module of
// fp-ts or io-ts the build imports.
const require = createRequire(import.meta.url);
for (const pkg of ['fp-ts', 'io-ts']) {
  const modules = new Set();
  const specifier = new RegExp(`['"]#${pkg}/([A-Za-z]+)\\.js['"]`, 'g');
  for (const entry of readdirSync(dist, { recursive: true, encoding: 'utf8' }))
    if (entry.endsWith('.js') && !entry.startsWith(`${pkg}/`))
      for (const [, name] of readFileSync(join(dist, entry), 'utf8').matchAll(specifier)) modules.add(name);
  mkdirSync(join(dist, pkg), { recursive: true });
  for (const name of modules) {
    const names = Object.keys(require(`${pkg}/lib/${name}.js`)).filter((key) => key !== '__esModule');
    writeFileSync(
      join(dist, pkg, `${name}.js`),
      [
        `// ${pkg}/lib/${name}.js, required (see tools/postbuild.mjs): the same names, the same values.`,
        "import { createRequire } from 'node:module';",
        `const m = createRequire(import.meta.url)('${pkg}/lib/${name}.js');`,
        ...names.map((key, i) => `const v${i} = m[${JSON.stringify(key)}];`),
        `export { ${names.map((key, i) => `v${i} as ${key}`).join(', ')} };`,
        '',
      ].join('\n'),
    );
  }
}
