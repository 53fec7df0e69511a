/**
 * Every ```ts sample of the README and docs/, as a newcomer pastes it: into a fresh ESM app that
 * installed the packed tarball (spec/docs/freshApp.ts), type-checked there, and run with tsx
 * against the emulator (`YQCLOUD_API_ENDPOINT`, as the README says). Nothing is added to a sample.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startEmulator, type Emulator } from '../../lib/emulator/index.js';
import { createFreshApp, packageOf, type FreshApp } from './freshApp.js';
import { importsOf, markdownFiles, sampleFileName, samplesOf, type Sample } from './samples.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

const samples: ReadonlyArray<Sample> = markdownFiles(root).flatMap((file) => samplesOf(root, file));
const where = (sample: Sample): string => `${sample.file}:${sample.line}`;

/** The packages the samples import, besides the library itself: the app installs each. */
const packages = [
  ...new Set(
    samples
      .filter((s) => s.check)
      .flatMap((s) => importsOf(s.code))
      .map(packageOf),
  ),
].filter((name) => name !== 'yqcloud-rx');

/** The compiler options of a strict TypeScript app (the library's own, less its build settings). */
const appTsconfig = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM'],
    types: ['node'],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    experimentalDecorators: true,
    skipLibCheck: true,
    noEmit: true,
  },
  include: ['*.ts'],
};

/** Runs `tasks` with at most `limit` at once, each result in its task's place. */
const pool = async <A>(tasks: ReadonlyArray<() => Promise<A>>, limit: number): Promise<ReadonlyArray<A>> => {
  const results: Array<A> = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      const task = tasks[index];
      if (task !== undefined) results[index] = await task();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
};

describe('code samples of the README and docs/, pasted into a fresh app', function () {
  this.timeout(300_000);
  let app: FreshApp | undefined;
  let endpoint: Emulator | undefined;
  /** Per sample that runs: `undefined` when it exited 0 with an empty stderr, else what went wrong. */
  const outcomes = new Map<Sample, string | undefined>();

  before(async () => {
    app = await createFreshApp(root, packages);
    const dir = app.dir;
    for (const sample of samples) if (sample.check) writeFileSync(join(dir, sampleFileName(sample)), sample.code);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(appTsconfig, null, 2));
    endpoint = await startEmulator({ delayMs: 0 });
    const apiEndpoint = endpoint.apiEndpoint;
    const runs = samples.filter((s) => s.run);
    const results = await pool(
      runs.map((sample) => () => {
        const env: NodeJS.ProcessEnv = { ...process.env, YQCLOUD_API_ENDPOINT: apiEndpoint };
        delete env.YQCLOUD_RX_LOG;
        delete env.NODE_OPTIONS;
        return run(process.execPath, ['--import', 'tsx', sampleFileName(sample)], {
          cwd: dir,
          env,
          timeout: 30_000,
        }).then(
          // Samples report a failed reply with console.error and still exit 0: stderr must stay empty.
          ({ stderr }) => (stderr === '' ? undefined : `exited 0 but wrote to stderr:\n${stderr}`),
          (e: { stderr?: string; signal?: string }) => `${e.signal ?? ''} ${e.stderr ?? String(e)}`,
        );
      }),
      4,
    );
    runs.forEach((sample, index) => {
      outcomes.set(sample, results[index]);
    });
  });

  after(async () => {
    await endpoint?.close();
    if (app !== undefined) rmSync(app.dir, { recursive: true, force: true });
  });

  it(`has samples (${samples.filter((s) => s.check).length} type-checked, ${samples.filter((s) => s.run).length} run)`, () => {
    expect(samples.filter((s) => s.run).length).to.be.greaterThan(30);
  });

  it('the app is ESM, as the README says the samples are, and installed the tarball without a warning about it', () => {
    const manifest = JSON.parse(readFileSync(join(app?.dir ?? '', 'package.json'), 'utf8')) as { type?: string };
    expect(manifest.type).to.equal('module');
    expect(app?.installWarnings.split('\n').filter((line) => /yqcloud-rx/.test(line))).to.deep.equal([]);
  });

  it('every package a sample imports is named in an `npm install` line of its page or the README’s', () => {
    const installLines = (file: string): string =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/^.*\bnpm (?:install|i)\b.*$/gm)].join('\n');
    const readme = installLines('README.md');
    const unnamed = samples
      .filter((s) => s.check)
      .flatMap((s) =>
        importsOf(s.code)
          .map(packageOf)
          .filter((name) => {
            const named = new RegExp(
              `(?:^|[\\s\`])${name.replace(/[/.]/g, '\\$&')}(?:@[^\\s\`]*)?(?=[\\s\`;,)]|$)`,
              'm',
            );
            return !named.test(readme) && !named.test(installLines(s.file));
          })
          .map((name) => `${where(s)} imports ${name}`),
      );
    expect([...new Set(unnamed)]).to.deep.equal([]);
  });

  it('every sample type-checks in the app', async () => {
    const tsc = join(root, 'node_modules/.bin/tsc');
    const result = await run(tsc, ['-p', join(app?.dir ?? '', 'tsconfig.json')], { cwd: app?.dir }).then(
      () => '',
      (e: { stdout?: string }) => e.stdout ?? String(e),
    );
    expect(result, result).to.equal('');
  });

  it('every sample that makes a request handles its errors (an error callback, catch, the state’s or reply end’s error)', () => {
    const unhandled = samples
      // A module saved for later samples (`ts file=…`) leaves errors to the code that uses it.
      .filter((s) => s.run && s.saveAs === undefined)
      .filter((s) => /\.create\(|createAsyncGenerator|\.send\(|\.subscribe\(/.test(s.code))
      .filter((s) => !/\berror\s*:|\bcatch\b|catchError|(?:status|reason) === 'error'|assert\.rejects/.test(s.code))
      .map(where);
    expect(unhandled).to.deep.equal([]);
  });

  for (const sample of samples.filter((s) => s.run))
    it(`runs ${where(sample)} as pasted`, () => {
      const outcome = outcomes.get(sample);
      expect(outcome, `${where(sample)} (${sampleFileName(sample)}) failed:\n${outcome}`).to.equal(undefined);
    });
});
