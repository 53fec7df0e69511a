/**
 * Issue #11, the command line (the built binary): every exit path closes what it opened, a
 * conversation file that cannot be saved is exit 2 with one line, control characters from a
 * server never reach the terminal, `--version`, and an empty prompt argument is refused.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startLoopbackServer, type LoopbackServer } from '../support/loopbackServer.js';
import { cliBin, runCli, type CliRun } from '../support/runCli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

const cli = (args: ReadonlyArray<string>, stdin = ''): Promise<CliRun> =>
  runCli(args, { stdin, timeoutMs: 10_000, encoding: 'latin1' });

/** Runs the binary on a pseudo-terminal (util-linux `script`) and returns the raw bytes it wrote. */
const onTerminal = (args: ReadonlyArray<string>): Promise<CliRun> => {
  const command = [process.execPath, cliBin, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve) => {
    execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { timeout: 10_000, encoding: 'latin1', env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
          stdout,
          stderr,
          timedOut: error?.killed === true,
        }),
    );
  });
};

// C0 but \n, \t (and \r, which a terminal's line discipline adds), DEL, C1 — as UTF-8 (latin1 view) or raw.
// biome-ignore lint/suspicious/noControlCharactersInRegex: what the spec looks for
const controlChars = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]/;

/** C0 (but \n and \t), DEL and C1, as code points. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: what the spec looks for
const controlCodePoints = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

/**
 * What a terminal was sent, as text: the \r the line discipline adds and the spinner's own
 * erase-line sequence (`\r\x1b[2K`) taken out; anything else that controls the terminal stays.
 */
const fromTerminal = (raw: string): string =>
  Buffer.from(raw, 'latin1').toString('utf8').replaceAll('\x1b[2K', '').replaceAll('\r', '');

const hostile = '\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b]0;owned\x07\x9b31m\x90evil\x9c\x00\x08';

describe('hardening: the command line', function () {
  this.timeout(30_000);
  let dir: string;
  let server: LoopbackServer;
  let answer: { status: number; body: string } = { status: 200, body: 'Hello' };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'yqcloud-rx-h11-'));
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(answer.body);
    });
  });
  after(async () => {
    await server?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  describe('every exit path closes what it opened', () => {
    const cases: ReadonlyArray<readonly [string, () => ReadonlyArray<string>]> = [
      [
        'a conversation file that is not JSON',
        () => {
          writeFileSync(join(dir, 'bad.json'), '{ not json');
          return ['chat', '--emulator', '--conversation', join(dir, 'bad.json'), 'hi'];
        },
      ],
      [
        'a conversation file that is not a conversation',
        () => {
          writeFileSync(join(dir, 'other.json'), '{"model": 1}');
          return ['chat', '--emulator', '--conversation', join(dir, 'other.json'), 'hi'];
        },
      ],
      [
        'a conversation path that is a directory',
        () => {
          mkdirSync(join(dir, 'a-dir'), { recursive: true });
          return ['chat', '--emulator', '--conversation', join(dir, 'a-dir'), 'hi'];
        },
      ],
      ['a bad proxy URL', () => ['chat', '--emulator', '--proxy', 'ftp://x', 'hi']],
      ['an unknown model', () => ['chat', '--emulator', '--model', 'nope', 'hi']],
    ];
    for (const [what, args] of cases) {
      it(`${what}: one InvalidRequest line, exit 2, and the process ends`, async () => {
        const run = await cli(args());
        expect(run.timedOut, 'the process did not exit').to.equal(false);
        expect(run.code).to.equal(2);
        expect(run.stderr.trimEnd().split('\n')).to.have.length(1);
        expect(run.stderr).to.match(/^yqcloud-rx: InvalidRequest: /);
      });
    }
  });

  describe('a conversation file that cannot be saved is exit 2 with one line', () => {
    const paths: ReadonlyArray<readonly [string, () => string]> = [
      ['in a directory that does not exist', () => join(dir, 'nonexistent', 'dir', 'x.json')],
      [
        'under a regular file',
        () => {
          writeFileSync(join(dir, 'plain.txt'), 'x');
          return join(dir, 'plain.txt', 'x.json');
        },
      ],
    ];
    for (const [what, path] of paths) {
      it(what, async () => {
        const file = path();
        const run = await cli(['chat', '--endpoint', server.endpoint, '--conversation', file, 'hi']);
        expect(run.timedOut).to.equal(false);
        expect(run.code).to.equal(2);
        const lines = run.stderr.trimEnd().split('\n');
        expect(lines).to.have.length(1);
        expect(lines[0]).to.match(/^yqcloud-rx: InvalidRequest: --conversation /);
        expect(run.stderr).to.not.include('.tmp');
        expect(run.stderr).to.not.include('unexpected');
      });
    }

    it('a saved file is complete JSON and leaves no temporary file beside it', async () => {
      answer = { status: 200, body: 'Hello' };
      const file = join(dir, 'saved', 'chat.json');
      mkdirSync(join(dir, 'saved'), { recursive: true });
      const run = await cli(['chat', '--endpoint', server.endpoint, '--conversation', file, 'hi']);
      expect(run.code, run.stderr).to.equal(0);
      expect(JSON.parse(readFileSync(file, 'utf8')))
        .to.have.property('message_history')
        .with.length(2);
      expect(readdirSync(join(dir, 'saved'))).to.deep.equal(['chat.json']);
    });
  });

  describe('control characters from a server never reach the terminal', () => {
    it('an error body with OSC 52, screen clearing, C1 and NUL: stderr holds none of them', async () => {
      answer = { status: 500, body: `boom${hostile}after` };
      const run = await cli(['chat', '--endpoint', server.endpoint, 'hi']);
      expect(run.code).to.equal(3);
      expect(run.stderr).to.include('boom');
      expect(run.stderr).to.include('after');
      expect(run.stderr, JSON.stringify(run.stderr)).to.not.match(controlChars);
      expect(run.stderr).to.not.include('\x9b');
    });

    it("a usage error echoing an argument's escape sequences: stderr holds none of them", async () => {
      const run = await cli(['chat', `--bogus${hostile.replace('\x00', '')}`, 'hi']);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.include('--bogus');
      expect(run.stderr, JSON.stringify(run.stderr)).to.not.match(controlChars);
    });

    it('an error body on a terminal: the screen gets none of them either', async () => {
      answer = { status: 502, body: `bad gateway${hostile}` };
      const run = await onTerminal(['chat', '--endpoint', server.endpoint, 'hi']);
      const screen = fromTerminal(run.stdout);
      expect(screen).to.include('bad gateway');
      expect(screen, JSON.stringify(screen)).to.not.match(controlCodePoints);
    });

    it('reply text on a terminal is stripped (newlines and tabs kept)', async () => {
      answer = { status: 200, body: `line one\n\tindented${hostile} end` };
      const run = await onTerminal(['chat', '--endpoint', server.endpoint, 'hi']);
      expect(run.code).to.equal(0);
      const screen = fromTerminal(run.stdout);
      expect(screen).to.include('line one\n\tindented');
      expect(screen).to.include(' end');
      expect(screen, JSON.stringify(screen)).to.not.match(controlCodePoints);
    });

    it('reply text to a pipe, and --json, stay byte-exact', async () => {
      const body = `exact${hostile} bytes`;
      answer = { status: 200, body };
      const piped = await cli(['chat', '--endpoint', server.endpoint, 'hi']);
      expect(piped.code).to.equal(0);
      expect(Buffer.from(piped.stdout, 'latin1').toString('utf8')).to.equal(`${body}\n`);
      const json = await cli(['chat', '--json', '--endpoint', server.endpoint, 'hi']);
      const first = JSON.parse(Buffer.from(json.stdout, 'latin1').toString('utf8').split('\n')[0] ?? '');
      expect(first).to.deep.equal({ type: 'text', text: body });
    });
  });

  describe('--version and empty prompts', () => {
    it('--version prints the version of package.json', async () => {
      const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
      const run = await cli(['--version']);
      expect(run.code).to.equal(0);
      expect(run.stdout.trim()).to.equal(version);
    });

    for (const prompt of ['', '   ', '\n\t']) {
      it(`chat ${JSON.stringify(prompt)} is refused like empty stdin`, async () => {
        const before = server.requests.length;
        const run = await cli(['chat', '--endpoint', server.endpoint, prompt]);
        expect(run.code).to.equal(2);
        expect(run.stderr).to.equal('yqcloud-rx: InvalidRequest: no prompt (give it as arguments or on stdin)\n');
        expect(server.requests).to.have.length(before);
      });
    }
  });
});
