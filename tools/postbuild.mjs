// After `tsc -p tsconfig.build.json`, two things tsc cannot do:
// - the CLI entry starts with a node shebang and is executable, as package.json `bin` needs;
// - declarations name fp-ts's own types (`fp-ts/lib/…`) instead of the package-internal
//   `#fp-ts/…` map, which TypeScript's node10 resolution (and type checkers that do not read the
//   dependency's files) cannot follow. The JavaScript keeps `#fp-ts/…`, so bundlers pick fp-ts's
//   ES build.
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

const bin = join(dist, 'cli/main.js');
const shebang = '#!/usr/bin/env node\n';
const code = readFileSync(bin, 'utf8');
if (!code.startsWith(shebang)) writeFileSync(bin, shebang + code.replace(/^#![^\n]*\n/, ''));
chmodSync(bin, 0o755);

for (const entry of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  if (!entry.endsWith('.d.ts')) continue;
  const file = join(dist, entry);
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(/(['"])#fp-ts\/([A-Za-z]+)\.js\1/g, '$1fp-ts/lib/$2.js$1');
  if (rewritten !== text) writeFileSync(file, rewritten);
}
