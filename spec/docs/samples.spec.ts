import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { asModule, markdownFiles, samplesOf, type Sample } from './samples.js';
import { startEmulator, type Emulator } from '../../lib/emulator/index.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const workDir = join(root, '.samples');

const shims: Readonly<Record<string, string>> = {
  'yqcloud-rx': '../spec/docs/shim.js',
  ...(existsSync(join(root, 'lib/testing/index.ts')) ? { 'yqcloud-rx/testing': '../lib/testing/index.js' } : {}),
  ...(existsSync(join(root, 'lib/emulator/index.ts')) ? { 'yqcloud-rx/emulator': '../lib/emulator/index.js' } : {}),
  ...(existsSync(join(root, 'lib/server/index.ts')) ? { 'yqcloud-rx/server': '../lib/server/index.js' } : {}),
};

const samples: ReadonlyArray<Sample> = markdownFiles(root).flatMap((file) => samplesOf(root, file));
const fileOf = (index: number): string => `sample-${String(index).padStart(3, '0')}.ts`;
const where = (sample: Sample): string => `${sample.file}:${sample.line}`;

describe('code samples of the README and docs/ (run against the emulator)', function () {
  this.timeout(120_000);
  let endpoint: Emulator;

  before(async () => {
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    samples.forEach((sample, index) => {
      if (sample.check) writeFileSync(join(workDir, fileOf(index)), asModule(sample, shims));
    });
    writeFileSync(
      join(workDir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../tsconfig.json',
        compilerOptions: { noEmit: true, noUnusedLocals: false, noUnusedParameters: false, rootDir: '..' },
        include: ['*.ts'],
      }),
    );
    endpoint = await startEmulator({ delayMs: 0 });
  });

  after(async () => {
    await endpoint?.close();
  });

  it(`has samples to check (${samples.filter((s) => s.check).length} type-checked, ${samples.filter((s) => s.run).length} run)`, () => {
    expect(samples.filter((s) => s.check).length).to.be.greaterThan(0);
  });

  it('every sample type-checks against the library', async () => {
    const tsc = join(root, 'node_modules/.bin/tsc');
    const result = await run(tsc, ['-p', join(workDir, 'tsconfig.json')], { cwd: root }).then(
      () => '',
      (e: { stdout?: string }) => e.stdout ?? String(e),
    );
    const located = result.replace(/\.samples\/sample-(\d+)\.ts\((\d+),(\d+)\)/g, (_m, index: string, line: string) => {
      const sample = samples[Number(index)];
      return sample === undefined ? _m : `${sample.file} sample at line ${sample.line} (its line ${line})`;
    });
    expect(located, located).to.equal('');
  });

  samples.forEach((sample, index) => {
    if (!sample.run) return;
    it(`runs ${where(sample)}`, async () => {
      const result = await run(process.execPath, ['--import', 'tsx', join(workDir, fileOf(index))], {
        cwd: root,
        env: { ...process.env, YQ_ENDPOINT: endpoint.apiEndpoint },
        timeout: 30_000,
      }).then(
        // Samples report a failed reply with console.error and still exit 0: stderr must stay empty.
        ({ stderr }) => (stderr === '' ? undefined : `exited 0 but wrote to stderr:\n${stderr}`),
        (e: { stderr?: string; signal?: string }) => `${e.signal ?? ''} ${e.stderr ?? String(e)}`,
      );
      expect(result, `${where(sample)} failed:\n${result}`).to.equal(undefined);
    });
  });
});
