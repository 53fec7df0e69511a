import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The tracked files whose text may cite a document: sources, specs, tools and the docs. */
const citing = execFileSync('git', ['ls-files', 'lib', 'spec', 'bench', 'tools', 'examples', '*.md'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => /\.(ts|mjs|md)$/.test(file) && !file.startsWith('docs/api/'));

/** Mentions of Markdown files, with the path written before them (`docs/`, `../`). */
const mentions = (text: string): ReadonlyArray<string> =>
  [...text.matchAll(/(?<![\w/.-])((?:\.\.?\/)*(?:[\w-]+\/)*[\w-]+\.md)\b/g)].map((m) => m[1] ?? '');

describe('documents the code and docs cite', () => {
  it('every cited *.md file is in the repository (relative to the citing file, or to the root)', () => {
    const missing = citing.flatMap((file) =>
      mentions(readFileSync(join(root, file), 'utf8'))
        .filter((cited) => !existsSync(join(root, dirname(file), cited)) && !existsSync(join(root, cited)))
        .map((cited) => `${file} cites ${cited}`),
    );
    expect([...new Set(missing)]).to.deep.equal([]);
  });

  it('no directive for a linter the project does not run (it lints with biome, not eslint)', () => {
    const directives = citing
      .filter((file) => /\.(ts|mjs)$/.test(file))
      .filter((file) => /\beslint-(?:disable|enable)/.test(readFileSync(join(root, file), 'utf8')));
    expect(directives).to.deep.equal([]);
  });

  it('module docs under lib/ quote no benchmark figure (they belong in docs/benchmarks.md)', () => {
    const figure =
      /\babout \d[\d.,]* ?(?:ms|µs|MiB|KiB|MB|kB)\b|\b\d[\d.,]* ?(?:ms|MiB) (?:to load|to import)|\b(?:twice|\d+(?:\.\d+)?[×x]) (?:as fast|faster|slower)/;
    const quoting = citing
      .filter((file) => file.startsWith('lib/'))
      .flatMap((file) =>
        (readFileSync(join(root, file), 'utf8').match(/\/\*[\s\S]*?\*\/|\/\/.*$/gm) ?? [])
          .filter((comment) => figure.test(comment))
          .map((comment) => `${file}: ${figure.exec(comment)?.[0]}`),
      );
    expect(quoting).to.deep.equal([]);
  });

  it('the design is in the repository, and CONTRIBUTING lists every folder of lib/', () => {
    expect(existsSync(join(root, 'docs/architecture.md'))).to.equal(true);
    const contributing = readFileSync(join(root, 'CONTRIBUTING.md'), 'utf8');
    const entries = execFileSync('git', ['ls-files', 'lib'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file !== '')
      .map((file) => {
        const [, first = '', ...rest] = file.split('/');
        return rest.length === 0 ? `lib/${first}` : `lib/${first}/`;
      });
    const unlisted = [...new Set(entries)].filter((entry) => !contributing.includes(entry));
    expect(unlisted).to.deep.equal([]);
  });
});
