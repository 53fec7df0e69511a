import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProxy } from 'proxy';
import { Conversation } from '../../lib/core/conversation.js';
import { defaultReply, startEmulator, type Emulator } from '../../lib/emulator/index.js';
import { cliBin, runCli, type CliRun } from '../support/runCli.js';
import { eventually } from '../support/eventually.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

const cli = (args: ReadonlyArray<string>, stdin?: string): Promise<CliRun> =>
  runCli(args, stdin === undefined ? {} : { stdin });

const expected = (prompt: string): string => defaultReply(prompt, { system: '', userId: '', history: [] });

/** Why the terminal specs cannot run here, or undefined when tmux is installed. */
const tmuxMissing = ((): string | undefined => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'tmux is not installed: the REPL and terminal specs drive the CLI on a real terminal through it (see README)';
  }
})();

/** A tmux server of its own, one window, for driving the binary on a terminal. */
const terminal = (name: string) => {
  if (tmuxMissing !== undefined) throw new Error(tmuxMissing);
  // Each start gets a server of its own: a new session on the socket of a server that kill-server
  // has just told to exit can reach the dying server ("server exited unexpectedly").
  let starts = 0;
  let socket = '';
  const tmux = (...args: ReadonlyArray<string>): string =>
    execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    start: (command: string): void => {
      starts += 1;
      socket = `yqcloud-rx-spec-${process.pid}-${name}-${starts}`;
      tmux('new-session', '-d', '-s', name, '-x', '200', '-y', '50', `${command}; echo EXITED=$?; sleep 30`);
    },
    keys: (...keys: ReadonlyArray<string>): void => {
      tmux('send-keys', '-t', name, ...keys);
    },
    /** The screen as text; with `escapes`, colours kept as escape sequences. */
    screen: (escapes = false): string =>
      tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', name, '-S', '-100'),
    kill: (): void => {
      if (socket === '') return;
      try {
        tmux('kill-server');
      } catch {
        // already gone
      }
    },
  };
};

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });

describe('command line (the built binary, as a user runs it)', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let dir: string;

  before(() => {
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json')], { cwd: root });
  });

  beforeEach(async () => {
    emulator = await startEmulator({ delayMs: 1 });
    dir = mkdtempSync(join(tmpdir(), 'yqcloud-rx-cli-'));
  });

  afterEach(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one-shot: streams the reply to stdout and exits 0', async () => {
    const run = await cli(['chat', '--endpoint', emulator.apiEndpoint, 'Hello', 'there']);
    expect(run).to.deep.include({ code: 0, stdout: `${expected('Hello there')}\n` });
  });

  it('reads the prompt from stdin when it is piped', async () => {
    const run = await cli(['chat', '--endpoint', emulator.apiEndpoint], 'From a pipe\n');
    expect(run.code).to.equal(0);
    expect(run.stdout).to.equal(`${expected('From a pipe')}\n`);
  });

  it('--system sends a system message with a new conversation', async () => {
    await cli(['chat', '--endpoint', emulator.apiEndpoint, '--system', 'Be brief', 'Hi']);
    expect(emulator.requests[0]?.payload).to.deep.include({ system: 'Be brief', prompt: 'Hi' });
  });

  it('--emulator: talks to the embedded emulator, with no endpoint given (what npm start runs)', async () => {
    const run = await cli(['chat', '--emulator', 'Hello', 'there']);
    expect(run).to.deep.include({ code: 0, stdout: `${expected('Hello there')}\n` });
  });

  it('--emulator with --endpoint is a usage error (exit 2), nothing sent', async () => {
    const run = await cli(['chat', '--emulator', '--endpoint', emulator.apiEndpoint, 'Hi']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/--emulator.*cannot be used with.*--endpoint/);
    expect(emulator.requests).to.have.length(0);
  });

  it('--model: gpt-4 is sent, another model is an InvalidRequest (exit 2) and nothing is sent', async () => {
    expect((await cli(['chat', '--endpoint', emulator.apiEndpoint, '--model', 'gpt-4', 'Hi'])).code).to.equal(0);
    const run = await cli(['chat', '--endpoint', emulator.apiEndpoint, '--model', 'gpt-5', 'Hi']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/^yqcloud-rx: InvalidRequest: model: unknown model "gpt-5"/);
    expect(emulator.requests).to.have.length(1);
  });

  it('--proxy: the request goes through the proxy', async () => {
    const forwarded: Array<string> = [];
    const proxy = createProxy(http.createServer());
    proxy.prependListener('request', (req: http.IncomingMessage) => forwarded.push(`${req.method} ${req.url}`));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = proxy.address() as net.AddressInfo;
      const run = await cli(['chat', '--endpoint', emulator.apiEndpoint, '--proxy', `http://127.0.0.1:${port}`, 'Hi']);
      expect(run).to.deep.include({ code: 0, stdout: `${expected('Hi')}\n` });
      expect(forwarded).to.deep.equal([`POST ${emulator.apiEndpoint}`]);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('--json: one JSON line per chunk, the conversation before finish, finish last', async () => {
    const run = await cli(['chat', '--json', '--endpoint', emulator.apiEndpoint, 'Hi']);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; text?: string; conversation?: unknown });
    expect(lines.at(-1)).to.deep.equal({ type: 'finish', reason: 'stop' });
    expect(lines.at(-2)?.type).to.equal('conversation');
    expect(Conversation.fromJson(lines.at(-2)?.conversation)._tag).to.equal('Right');
    expect(lines.slice(0, -2).filter((l) => l.type !== 'text')).to.deep.equal([]);
    expect(
      lines
        .slice(0, -2)
        .map((l) => l.text)
        .join(''),
    ).to.equal(expected('Hi'));
    expect(lines.length).to.be.greaterThan(10);
  });

  it('--conversation FILE: saved after a reply, loaded by the next run, which sees the first turn', async () => {
    const file = join(dir, 'chat.json');
    const withAnotherEmulator = async (prompt: string): Promise<CliRun> => {
      const fresh = await startEmulator({ delayMs: 0 });
      try {
        return await cli(['chat', '--endpoint', fresh.apiEndpoint, '--conversation', file, prompt]);
      } finally {
        await fresh.close();
      }
    };
    expect((await withAnotherEmulator('My name is Ada')).code).to.equal(0);
    const saved = Conversation.fromJson(JSON.parse(readFileSync(file, 'utf8')));
    expect(saved._tag).to.equal('Right');
    const firstInode = statSync(file).ino;
    const second = await withAnotherEmulator('What is my name?');
    // Saved by renaming a new file over the old one, never by rewriting it in place.
    expect(statSync(file).ino).to.not.equal(firstInode);
    expect(second.stdout).to.include('This is turn 2').and.include('Earlier you said: "My name is Ada"');
    const after = Conversation.fromJson(JSON.parse(readFileSync(file, 'utf8')));
    expect(after._tag === 'Right' && after.right.messageHistory.length).to.equal(4);
    expect(readdirSync(dir)).to.deep.equal(['chat.json']);
  });

  it('a broken --conversation file is an InvalidRequest (exit 2), and nothing is sent', async () => {
    const file = join(dir, 'broken.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, '{"model": 1}'));
    const run = await cli(['chat', '--endpoint', emulator.apiEndpoint, '--conversation', file, 'Hi']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/InvalidRequest/);
    expect(emulator.requests).to.have.length(0);
  });

  describe('exit codes and messages per error kind', () => {
    it('Blocked → 5, with a line saying the service refused this network and what to try', async () => {
      emulator.injectFault({ kind: 'ban' });
      const run = await cli(['chat', '--endpoint', emulator.apiEndpoint, 'Hi']);
      expect(run.code).to.equal(5);
      expect(run.stdout).to.equal('');
      expect(run.stderr.trim().split('\n')).to.have.length(1);
      expect(run.stderr).to.equal(
        'yqcloud-rx: Blocked: the service banned this IP address (abuse detection); try another network or a proxy — --proxy <url> sends the request through a proxy\n',
      );
    });

    it('Blocked → 5 for abnormal traffic and an HTML page too, each saying why', async () => {
      for (const [kind, why] of [
        ['abnormal-traffic', 'the service reported abnormal traffic from this network'],
        ['html', 'the service answered with an HTML page (a gateway or challenge page)'],
      ] as const) {
        emulator.injectFault({ kind });
        const run = await cli(['chat', '--endpoint', emulator.apiEndpoint, 'Hi']);
        expect(run.code).to.equal(5);
        expect(run.stderr)
          .to.include(`Blocked: ${why}`)
          .and.include('— --proxy <url> sends the request through a proxy');
      }
    });

    it('Http → 3', async () => {
      emulator.injectFault({ kind: 'status', status: 503 });
      expect((await cli(['chat', '--endpoint', emulator.apiEndpoint, 'Hi'])).code).to.equal(3);
    });

    it('Network → 4, with the partial text kept on stdout', async () => {
      emulator.injectFault({ kind: 'reset', afterChars: 12 });
      const run = await cli(['chat', '--endpoint', emulator.apiEndpoint, 'Hi']);
      expect(run.code).to.equal(4);
      expect(expected('Hi').slice(0, run.stdout.trim().length)).to.equal(run.stdout.trim());
      expect(run.stdout.trim().length).to.be.at.least(12);
      expect(run.stderr).to.match(/Network/);
    });

    it('Timeout → 6 (--first-chunk-timeout)', async () => {
      emulator.injectFault({ kind: 'hang', phase: 'before-headers' });
      const run = await cli(['chat', '--endpoint', emulator.apiEndpoint, '--first-chunk-timeout', '0.3', 'Hi']);
      expect(run.code).to.equal(6);
      expect(run.stderr).to.equal(
        'yqcloud-rx: Timeout: no first chunk within 300 ms (first-chunk; provider option firstChunkTimeoutMs) — raise --first-chunk-timeout, or add --retries\n',
      );
    });

    it('Timeout → 6 (--idle-timeout), the text received kept on stdout', async () => {
      emulator.injectFault({ kind: 'hang', phase: 'mid-body' });
      const run = await cli(['chat', '--endpoint', emulator.apiEndpoint, '--idle-timeout', '0.3', 'Hi']);
      expect(run.code).to.equal(6);
      expect(run.stdout).to.equal('You \n');
      expect(run.stderr).to.equal(
        'yqcloud-rx: Timeout: no text for 300 ms (idle) — raise --idle-timeout (--retries does not retry it)\n',
      );
    });

    it('Timeout → 6 (--timeout, the whole reply), the text received kept on stdout', async () => {
      emulator.injectFault({ kind: 'slow', delayMs: 100 });
      const run = await cli(['chat', '--endpoint', emulator.apiEndpoint, '--timeout', '0.5', 'Hi']);
      expect(run.code).to.equal(6);
      expect(run.stdout.length).to.be.greaterThan(1);
      expect(expected('Hi').slice(0, run.stdout.length - 1)).to.equal(run.stdout.slice(0, -1));
      expect(run.stderr).to.equal(
        'yqcloud-rx: Timeout: reply not finished within 500 ms (total) — raise --timeout (--retries does not retry it)\n',
      );
    });

    it('EmptyResponse → 7', async () => {
      const silent = await startEmulator({ reply: () => '' });
      try {
        expect((await cli(['chat', '--endpoint', silent.apiEndpoint, 'Hi'])).code).to.equal(7);
      } finally {
        await silent.close();
      }
    });

    it('InvalidRequest → 2 for a bad proxy URL, and the password is not printed', async () => {
      const run = await cli(['chat', '--endpoint', emulator.apiEndpoint, '--proxy', 'ftp://bob:s3cret@host', 'Hi']);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.not.include('s3cret');
      expect(emulator.requests).to.have.length(0);
    });

    it('--retries retries a transient failure before any text', async () => {
      emulator.injectFault({ kind: 'status', status: 503 });
      const run = await cli(['chat', '--endpoint', emulator.apiEndpoint, '--retries', '2', 'Hi']);
      expect(run.code).to.equal(0);
      expect(emulator.requests.map((r) => r.status)).to.deep.equal([503, 200]);
    });

    it('--help lists every exit code', async () => {
      const run = await cli(['chat', '--help']);
      for (const line of ['0  the reply finished', '5  Blocked', '6  Timeout', '130  interrupted'])
        expect(run.stdout).to.include(line);
    });
  });

  it('SIGINT mid-reply aborts the request (the emulator sees the socket close) and exits promptly with 130', async () => {
    const slow = await startEmulator({ delayMs: 200, pieceChars: 2 });
    try {
      const child = spawn(process.execPath, [cliBin, 'chat', '--endpoint', slow.apiEndpoint, 'Tell me a story'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await eventually(() => stdout.length > 0, 10_000, 'the first chunk');
      expect(slow.openConnections()).to.equal(1);
      child.kill('SIGINT');
      await eventually(() => slow.openConnections() === 0, 2_000, 'the socket to close');
      expect(await exited).to.equal(130);
      expect(stdout.length).to.be.lessThan(expected('Tell me a story').length);
    } finally {
      await slow.close();
    }
  });

  it('the REPL keeps the conversation across turns, and Ctrl-C cancels a reply then exits (tmux)', async () => {
    const term = terminal('repl');
    const slow = await startEmulator({ delayMs: 30, pieceChars: 3 });
    try {
      term.start(`${process.execPath} ${cliBin} chat --endpoint ${slow.apiEndpoint}`);
      await eventually(() => term.screen().includes('you>'), 10_000, 'the prompt');
      term.keys('My name is Ada', 'Enter');
      await eventually(
        () => /turn 1 of our conversation[\s\S]*🌏\.[\s\S]*you>/.test(term.screen()),
        15_000,
        'the first reply',
      );
      term.keys('Tell me more', 'Enter');
      await eventually(() => term.screen().includes('You said: "Tell me more"'), 10_000, 'the second reply to start');
      term.keys('C-c');
      await eventually(() => /cancelled\s*\n\s*you>/.test(term.screen()), 5_000, 'the cancellation');
      await eventually(() => slow.openConnections() === 0, 2_000, 'the cancelled request to close');
      term.keys('Who am I?', 'Enter');
      await eventually(
        () =>
          // The cancelled second turn counts: the emulator remembers the start it sent (#11).
          /You said: "Who am I\?"\. This is turn 3 of our conversation\. Earlier you said: "My name is Ada"/.test(
            term.screen(),
          ),
        15_000,
        'the third reply',
      );
      await eventually(
        () => /🌏\.\s*\n\s*you>\s*$/.test(`${term.screen().trimEnd()} `),
        15_000,
        'the prompt after the third reply',
      );
      term.keys('C-c');
      await eventually(() => term.screen().includes('EXITED=0'), 5_000, 'the REPL to exit with 0');
    } finally {
      term.kill();
      await slow.close();
    }
  });

  it('the REPL: Ctrl-D mid-reply cancels it (the socket closes) and exits with 0 (tmux)', async () => {
    const term = terminal('eof');
    const slow = await startEmulator({ delayMs: 100, pieceChars: 2 });
    try {
      term.start(`${process.execPath} ${cliBin} chat --endpoint ${slow.apiEndpoint}`);
      await eventually(() => term.screen().includes('you>'), 10_000, 'the prompt');
      term.keys('Tell me a story', 'Enter');
      await eventually(() => term.screen().includes('You said'), 10_000, 'the reply to start');
      term.keys('C-d');
      await eventually(() => term.screen().includes('EXITED='), 5_000, 'the REPL to exit');
      expect(term.screen()).to.include('EXITED=0');
      await eventually(() => slow.openConnections() === 0, 2_000, 'the request to close');
    } finally {
      term.kill();
      await slow.close();
    }
  });

  it('on a terminal: a spinner on stderr until the first chunk, never on stdout (tmux)', async () => {
    const term = terminal('spin');
    const out = join(dir, 'out.txt');
    try {
      emulator.injectFault({ kind: 'hang', phase: 'before-body' });
      term.start(
        `${process.execPath} ${cliBin} chat --endpoint ${emulator.apiEndpoint} --first-chunk-timeout 2 Hi > ${out}`,
      );
      await eventually(() => term.screen().includes('waiting for the reply'), 10_000, 'the spinner');
      await eventually(() => term.screen().includes('EXITED=6'), 10_000, 'the first-chunk timeout');
      expect(term.screen()).to.not.include('waiting for the reply');
      expect(readFileSync(out, 'utf8')).to.equal('');
      term.kill();
      term.start(`${process.execPath} ${cliBin} chat --endpoint ${emulator.apiEndpoint} Hi`);
      await eventually(() => term.screen().includes('EXITED=0'), 10_000, 'the reply');
      expect(term.screen()).to.include(expected('Hi')).and.not.include('waiting for the reply');
    } finally {
      term.kill();
    }
  });

  it('on a terminal: the error line is red, and plain with --no-color (tmux)', async () => {
    const term = terminal('color');
    try {
      for (const [flags, red] of [
        ['', true],
        ['--no-color', false],
      ] as const) {
        emulator.injectFault({ kind: 'ban' });
        term.start(`env -u NO_COLOR ${process.execPath} ${cliBin} chat ${flags} --endpoint ${emulator.apiEndpoint} Hi`);
        await eventually(() => term.screen().includes('EXITED=5'), 10_000, 'the Blocked exit');
        const redError = new RegExp(`${String.fromCharCode(27)}\\[31m[^\\n]*yqcloud-rx: Blocked`);
        expect(redError.test(term.screen(true)), flags).to.equal(red);
        term.kill();
      }
    } finally {
      term.kill();
    }
  });

  it('`yqcloud-rx emulator` serves the emulator and prints its endpoint', async () => {
    const child = spawn(process.execPath, [cliBin, 'emulator', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (data: Buffer) => (out += data.toString()));
    try {
      await eventually(() => /listening on (http:\S+)/.test(out), 10_000, 'the endpoint line');
      const endpoint = /listening on (http:\S+)/.exec(out)?.[1] ?? '';
      const run = await cli(['chat', '--endpoint', endpoint, 'Hi']);
      expect(run.stdout).to.equal(`${expected('Hi')}\n`);
    } finally {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('`yqcloud-rx emulator --port N --host H --fault F` listens there and answers every request with the fault', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [cliBin, 'emulator', '--port', String(port), '--host', '127.0.0.1', '--fault', 'ban'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (data: Buffer) => (out += data.toString()));
    try {
      await eventually(() => out.includes('listening on'), 10_000, 'the endpoint line');
      expect(out).to.equal(`yqcloud-rx emulator listening on http://127.0.0.1:${port}/api/generateStream\n`);
      const run = await cli(['chat', '--endpoint', `http://127.0.0.1:${port}/api/generateStream`, 'Hi']);
      expect(run.code).to.equal(5);
      const busy = await cli(['emulator', '--port', String(port)]);
      expect(busy.code).to.equal(1);
      expect(busy.stderr).to.match(/^yqcloud-rx: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
      expect(busy.stderr.trim().split('\n')).to.have.length(1);
    } finally {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('`yqcloud-rx emulator` refuses a port out of range and an unknown fault (exit 2)', async () => {
    for (const args of [
      ['--port', '70000'],
      ['--fault', 'nope'],
    ]) {
      const run = await cli(['emulator', ...args]);
      expect(run.code, args.join(' ')).to.equal(2);
      expect(run.stderr).to.match(/^error: option .* is invalid/);
    }
  });

  it('is installed as the package bin, executable with a node shebang', () => {
    expect(cliBin).to.satisfy(existsSync);
    expect(readFileSync(cliBin, 'utf8')).to.match(/^#!\/usr\/bin\/env node\n/);
  });
});
