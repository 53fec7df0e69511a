// `npm pack` and `npm publish` ship package.json as it is on disk. Its `prepare` script builds
// dist/ for a git install and in a clone, but a tarball already holds dist/, and npm 11 warns on
// every tarball install about a `prepare` script it will not run. So `prepack` takes `prepare`
// out of package.json and `postpack` puts it back (as pinst does for `postinstall`).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const file = fileURLToPath(new URL('../package.json', import.meta.url));
const prepare = 'npm run build';
const text = readFileSync(file, 'utf8');
const manifest = JSON.parse(text);
const { prepare: present, ...others } = manifest.scripts;

const write = (scripts) => {
  const next = `${JSON.stringify({ ...manifest, scripts }, null, 2)}\n`;
  if (next !== text) writeFileSync(file, next);
};

const step = process.argv[2];
if (step === 'strip') write(others);
else if (step === 'restore' && present === undefined) {
  // Back in its place, right after `build`.
  const entries = Object.entries(others);
  const at = entries.findIndex(([name]) => name === 'build') + 1;
  write(Object.fromEntries([...entries.slice(0, at), ['prepare', prepare], ...entries.slice(at)]));
} else if (step !== 'restore') {
  console.error('usage: node tools/packScripts.mjs strip|restore');
  process.exit(2);
}
