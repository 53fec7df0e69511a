// After `tsc -p tsconfig.build.json`, two things tsc cannot do:
// - the CLI entry starts with a node shebang and is executable, as package.json `bin` needs;
// - declarations name fp-ts's own types (`fp-ts/lib/…`) instead of the package-internal
//   `#fp-ts/…` map, which TypeScript's node10 resolution (and type checkers that do not read the
//   dependency's files) cannot follow; the same for the package's own `#…` imports, which become
//   relative paths. The JavaScript keeps `#…`, so bundlers pick fp-ts's ES build and the browser
//   transports.
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
