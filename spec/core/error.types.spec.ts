/**
 * A type test: `npm test`'s typecheck (`tsc -p tsconfig.json`) fails if any `@ts-expect-error`
 * below stops being an error, that is if the constructor accepts another kind's fields again.
 * The `it`s run the accepted forms, so the file is also an ordinary spec.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { YqcloudError, type YqcloudErrorArgs, type YqcloudErrorInit } from '../../lib/core/error.js';

const run = promisify(execFile);

/** Built only when called: the rejected forms are never run, only type-checked. */
const rejected = (): ReadonlyArray<YqcloudError> => [
  // @ts-expect-error a Timeout field on an Http error
  new YqcloudError('Http', 'HTTP 503', { status: 503, body: '', phase: 'idle' }),
  // @ts-expect-error an Http error needs its status and body
  new YqcloudError('Http', 'HTTP 503', { phase: 'idle' }),
  // @ts-expect-error a Network error needs its code
  new YqcloudError('Network', 'reset', {}),
  // @ts-expect-error no init at all
  new YqcloudError('Timeout', 'too slow'),
  // @ts-expect-error a Blocked reason that does not exist
  new YqcloudError('Blocked', 'no', { body: '', reason: 'rate-limited' }),
  // @ts-expect-error a kind that does not exist
  new YqcloudError('Teapot', 'short and stout', { status: 418 }),
  // @ts-expect-error a field no kind has
  new YqcloudError('EmptyResponse', 'nothing', { status: 200, colour: 'teal' }),
];

describe('core/error YqcloudError constructor types', () => {
  it('each rejected form is a type error: tsc reports no unused @ts-expect-error in this file', async function () {
    this.timeout(120_000);
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const workDir = mkdtempSync(join(root, '.error-types-'));
    try {
      writeFileSync(
        join(workDir, 'tsconfig.json'),
        JSON.stringify({
          extends: '../tsconfig.json',
          compilerOptions: { noEmit: true, rootDir: '..' },
          files: ['../spec/core/error.types.spec.ts'],
          include: [],
        }),
      );
      const tsc = join(root, 'node_modules/.bin/tsc');
      const output = await run(tsc, ['-p', join(workDir, 'tsconfig.json')], { cwd: root }).then(
        () => '',
        (e: { stdout?: string }) => e.stdout ?? String(e),
      );
      expect(output).to.equal('');
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
    // the forms are there to be refused, each under its own @ts-expect-error
    expect(rejected.toString().match(/YqcloudError\(/g)).to.have.length(7);
  });

  it('accepts each kind with its own fields, partialText and cause', () => {
    const http = new YqcloudError('Http', 'HTTP 429', { status: 429, body: 'slow down', retryAfterMs: 2000 });
    expect(http).to.include({ kind: 'Http', status: 429, body: 'slow down', retryAfterMs: 2000, partialText: '' });
    const cause = new Error('socket hang up');
    const network = new YqcloudError('Network', 'reset', { code: 'ECONNRESET', cause, partialText: 'Hel' });
    expect(network).to.include({ kind: 'Network', code: 'ECONNRESET', partialText: 'Hel' });
    expect(network.cause).to.equal(cause);
  });

  it('takes the arguments as one tuple of a kind, a message and that kind’s init', () => {
    const init: YqcloudErrorInit<'Timeout'> = { phase: 'idle', timeoutMs: 5000 };
    const args: YqcloudErrorArgs = ['Timeout', 'timeout: no text for 5000 ms (idle)', init];
    expect(new YqcloudError(...args)).to.include({ kind: 'Timeout', phase: 'idle', timeoutMs: 5000 });
  });
});
