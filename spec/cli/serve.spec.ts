import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import OpenAI from 'openai';
import { eventually } from '../support/eventually.js';
import { cliBin } from '../support/runCli.js';

// `yqcloud-rx serve --emulator` as users run it: the built binary in a child process.
const bin = cliBin;
const token = 'sk-serve-spec';
const page = 'https://app.example.com';

interface Child {
  readonly process: ChildProcess;
  readonly stdout: () => string;
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
}

const serve = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Child => {
  let stdout = '';
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.setEncoding('utf8').on('data', (piece: string) => {
    stdout += piece;
  });
  child.stderr.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { process: child, stdout: () => stdout, exited };
};

describe('yqcloud-rx serve --emulator (child process)', function () {
  this.timeout(30_000);
  let child: Child | undefined;
  let baseURL = '';
  let origin = '';

  before(async () => {
    child = serve(['--emulator', '--port', '0', '--cors', page, '--metrics-port', '0'], { YQCLOUD_RX_TOKEN: token });
    await eventually(() => /OpenAI: (\S+)\/v1/.test(child?.stdout() ?? ''), 15_000, 'the URLs');
    origin = /listening on (\S+)/.exec(child.stdout())?.[1] ?? '';
    baseURL = `${origin}/v1`;
  });

  after(async () => {
    if (child !== undefined && child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
  });

  it('serves Prometheus metrics on a port of 127.0.0.1 with --metrics-port, counting the replies served', async () => {
    const metrics = /metrics: GET (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(child?.stdout() ?? '')?.[1] ?? '';
    expect(metrics).to.not.equal('');
    const client = new OpenAI({ apiKey: token, baseURL, maxRetries: 0 });
    await client.chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'Count me' }] });
    const text = await (await fetch(metrics)).text();
    expect(text).to.match(/^yqcloud_rx_streams_open 0$/m);
    expect(text).to.match(/^yqcloud_rx_replies_total\{outcome="finished",error_type=""\} [1-9]\d*$/m);
  });

  it('prints both URLs and never the token', () => {
    expect(child?.stdout()).to.include(`relay:  POST ${origin}/relay`).and.include(`OpenAI: ${origin}/v1`);
    expect(child?.stdout()).to.not.include(token);
  });

  it('answers the official openai client, streaming and not', async () => {
    const client = new OpenAI({ apiKey: token, baseURL, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'gpt-4',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(completion.choices[0]?.message.content).to.include('You said: "Hi".');
    let streamed = '';
    const stream = await client.chat.completions.create({
      model: 'gpt-4',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed).to.equal(completion.choices[0]?.message.content);
  });

  it('serves the relay at POST /relay behind the same token', async () => {
    const relay = (authorization: string) =>
      fetch(`${origin}/relay`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] }),
      });
    const ok = await relay(`Bearer ${token}`);
    expect(ok.status).to.equal(200);
    expect(await ok.text())
      .to.include('event: text')
      .and.include('event: finish');
    expect((await relay('Bearer nope')).status).to.equal(401);
  });

  it('answers preflights of the --cors origins on both routes, and refuses other origins', async () => {
    for (const path of ['/relay', '/v1/chat/completions']) {
      const preflight = await fetch(`${origin}${path}`, {
        method: 'OPTIONS',
        headers: { origin: page, 'access-control-request-method': 'POST' },
      });
      expect(preflight.status, path).to.equal(204);
      expect(preflight.headers.get('access-control-allow-origin'), path).to.equal(page);
    }
    const other = await fetch(`${origin}/v1/models`, {
      headers: { origin: 'https://evil.example', authorization: `Bearer ${token}` },
    });
    expect(other.status).to.equal(403);
  });

  it('exits 0 on SIGINT, ending the stream in flight', async () => {
    const client = new OpenAI({ apiKey: token, baseURL, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4',
      messages: [{ role: 'user', content: 'A long one' }],
      stream: true,
    });
    const reading = (async () => {
      for await (const _ of stream) child?.process.kill('SIGINT');
    })().then(
      () => 'ended',
      (e: unknown) => e,
    );
    const exit = await child?.exited;
    expect(exit).to.deep.equal({ code: 0, signal: null });
    expect(await reading).to.be.instanceOf(Error);
  });
});

describe('yqcloud-rx serve refuses an open door', () => {
  const run = (args: ReadonlyArray<string>, env: Record<string, string | undefined>) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'serve', ...args], { env, timeout: 10_000 }, (error, _stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stderr }),
      );
    });
  const env = { ...process.env, YQCLOUD_RX_TOKEN: undefined };

  it('exits 2 without a token, and with --no-auth on a host other than loopback', async () => {
    const tokenless = await run(['--emulator', '--port', '0'], env);
    expect(tokenless.code).to.equal(2);
    expect(tokenless.stderr).to.include('a token is required');
    const open = await run(['--emulator', '--port', '0', '--no-auth', '--host', '0.0.0.0'], env);
    expect(open.code).to.equal(2);
    expect(open.stderr).to.include('only allowed on a loopback host');
  });
});
