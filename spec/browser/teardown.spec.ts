/**
 * A failing browser suite never hangs the run: with Chromium missing, every browser suite's
 * `before` fails, and its `after` hooks still stop what `before` had started (bundles, page
 * servers, the emulator, relays), so a child mocha run with `exit: false` ends on its own.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const suites = readdirSync(join(root, 'spec/browser'))
  .filter((name) => name.endsWith('.browser.spec.ts'))
  .map((name) => join('spec/browser', name));
const launching = suites.filter((suite) => readFileSync(join(root, suite), 'utf8').includes('launchChromium('));

interface Exit {
  readonly code: number | null;
  readonly output: string;
  readonly ms: number;
}

/**
 * Runs mocha (the project's .mocharc.json, so `exit: false`) on `files` in a process group of its
 * own; past `limitMs` the whole group is killed (mocha's bin runs the specs in a child process).
 */
const mocha = (files: ReadonlyArray<string>, env: NodeJS.ProcessEnv, limitMs: number): Promise<Exit> =>
  new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(root, 'node_modules/mocha/bin/mocha.js'), ...files], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    let killed = false;
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    };
    const limit = setTimeout(() => {
      killed = true;
      killGroup();
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(limit);
      killGroup();
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code: killed ? null : code, output, ms: Date.now() - started });
    });
  });

describe('a browser suite whose before hook fails (Chromium missing)', function () {
  this.timeout(90_000);

  it(`lets mocha exit on its own, each suite failing in "before all" (${suites.length} suites)`, async () => {
    expect(suites).to.have.length.greaterThan(0);
    const run = await mocha(suites, { CHROMIUM_PATH: join(root, 'no-such-chromium') }, 30_000);
    expect(run.code, `mocha was killed after ${run.ms} ms: something outlived its suite\n${run.output}`).to.not.equal(
      null,
    );
    // mocha exits with the number of failures: one "before all" per suite that launches Chromium.
    expect(run.code, run.output).to.equal(launching.length);
    expect(run.output).to.include(`${launching.length} failing`).and.include('no-such-chromium');
  });
});
