import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const require = createRequire(import.meta.url);
const builds = ['fp-ts', 'io-ts'].map((pkg) => ({ pkg, dist: new URL(`../dist/${pkg}/`, import.meta.url) }));

/**
 * In Node, `#fp-ts/X.js` is dist/fp-ts/X.js (tools/postbuild.mjs): an ES module that requires
 * fp-ts's CommonJS module rather than importing it (docs/architecture.md says why); `#io-ts/X.js`
 * likewise.
 */
describe('#fp-ts/* and #io-ts/* in Node: CommonJS modules, required', () => {
  it('resolves to the built module of each fp-ts module the library imports', () => {
    const resolved = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "process.stdout.write(import.meta.resolve('#fp-ts/Either.js') + ' ' + import.meta.resolve('#io-ts/index.js'))",
      ],
      { cwd: fileURLToPath(new URL('../', import.meta.url)), encoding: 'utf8' },
    );
    const [fpTs, ioTs] = builds.map(({ dist }) => dist);
    expect(resolved.split(' ')).to.deep.equal([new URL('Either.js', fpTs).href, new URL('index.js', ioTs).href]);
    expect(readdirSync(fileURLToPath(fpTs ?? '')).sort()).to.include.members(['Either.js', 'Option.js', 'function.js']);
  });

  it('each exports exactly the names of its module, with the very same values', async () => {
    for (const { pkg, dist } of builds)
      for (const file of readdirSync(fileURLToPath(dist))) {
        const name = `${pkg}/lib/${file}`;
        const built = new Map<string, unknown>(Object.entries(await import(new URL(file, dist).href)));
        const original = require(name) as Record<string, unknown>;
        const names = Object.keys(original).filter((key) => key !== '__esModule');
        expect([...built.keys()].sort(), name).to.deep.equal([...names].sort());
        for (const key of names) expect(built.get(key), `${name}.${key}`).to.equal(original[key]);
      }
  });
});
