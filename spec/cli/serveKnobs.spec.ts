import { DefaultChatTransport, readUIMessageStream, type UIMessage } from 'ai';
import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { eventually } from '../support/eventually.js';
import { startLoopbackServer, type LoopbackServer } from '../support/loopbackServer.js';
import { cliBin } from '../support/runCli.js';

// `serve`'s knobs as users run them: the built binary in a child process.
const bin = cliBin;
const token = 'sk-serve-knobs-spec';

interface Child {
  readonly process: ChildProcess;
  readonly stdout: () => string;
  readonly origin: () => string;
  readonly exited: Promise<unknown>;
}

const serve = async (args: ReadonlyArray<string>): Promise<Child> => {
  let stdout = '';
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], {
    env: { ...process.env, YQCLOUD_RX_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.setEncoding('utf8').on('data', (piece: string) => {
    stdout += piece;
  });
  child.stderr.resume();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await eventually(() => /listening on (\S+)/.test(stdout), 15_000, 'the URLs');
  const origin = /listening on (\S+)/.exec(stdout)?.[1] ?? '';
  return { process: child, stdout: () => stdout, origin: () => origin, exited };
};

const stop = async (child: Child | undefined): Promise<void> => {
  if (child === undefined || child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGKILL');
  await child.exited;
};

describe('yqcloud-rx serve: aliases, usage, the UI route, the access log, the stream limit', function () {
  this.timeout(30_000);
  let child: Child | undefined;
  let client: OpenAI;

  before(async () => {
    child = await serve([
      '--emulator',
      '--model-alias',
      'gpt-4o=gpt-4',
      '--model-alias',
      'gpt-3.5-turbo=gpt-4',
      '--max-streams',
      '1',
    ]);
    client = new OpenAI({ apiKey: token, baseURL: `${child.origin()}/v1`, maxRetries: 0 });
  });

  after(() => stop(child));

  it('answers an alias, lists it, and counts usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(completion.model).to.equal('gpt-4');
    expect(completion.usage?.prompt_tokens).to.equal(8);
    const ids: Array<string> = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).to.deep.equal(['gpt-4', 'gpt-4o', 'gpt-3.5-turbo']);
  });

  it('serves the UI message stream at /api/chat behind the same token', async () => {
    const transport = new DefaultChatTransport({
      api: `${child?.origin() ?? ''}/api/chat`,
      headers: { authorization: `Bearer ${token}` },
    });
    const messages: Array<UIMessage> = [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hello' }] }];
    const stream = await transport.sendMessages({
      chatId: 'c1',
      messages,
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    });
    let text = '';
    for await (const message of readUIMessageStream({ stream }))
      text = message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
    expect(text).to.include('You said: "Hello".');
  });

  it('--max-streams 1: a second reply while one is in progress is a 429, across routes', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4',
      messages: [{ role: 'user', content: 'A long one' }],
      stream: true,
    });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const second = await fetch(`${child?.origin() ?? ''}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'c',
        trigger: 'submit-message',
        messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: 'x' }] }],
      }),
    });
    expect(second.status).to.equal(429);
    stream.controller.abort();
  });

  it('writes one access line per request: route, status, duration, error kind, hashed client; no token, no prompt', async () => {
    const marker = 'a-prompt-that-must-not-be-logged';
    await client.chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: marker }] });
    await client.chat.completions
      .create({ model: 'gpt-5', messages: [{ role: 'user', content: marker }] })
      .catch(() => undefined);
    await eventually(() => /status=404/.test(child?.stdout() ?? ''), 5_000, 'the access line of the 404');
    const lines = (child?.stdout() ?? '').split('\n').filter((line) => line.startsWith('access '));
    expect(
      lines.some((l) =>
        /^access route=openai\.chat_completions method=POST status=200 ms=\d+ error=- client=[0-9a-f]{16}$/.test(l),
      ),
    ).to.equal(true);
    expect(
      lines.some((l) =>
        /route=openai\.chat_completions method=POST status=404 ms=\d+ error=InvalidRequest client=[0-9a-f]{16}$/.test(
          l,
        ),
      ),
    ).to.equal(true);
    expect(lines.some((l) => /route=ui_message_stream method=POST status=429 .* error=Http/.test(l))).to.equal(true);
    const hashes = new Set(lines.map((l) => /client=(\S+)/.exec(l)?.[1]).filter((h) => h !== '-'));
    expect(hashes.size).to.equal(1);
    expect(child?.stdout()).to.not.include(token).and.not.include(marker);
  });
});

describe('yqcloud-rx serve --upstream-timeout', function () {
  this.timeout(30_000);
  let hanging: LoopbackServer | undefined;
  let child: Child | undefined;

  before(async () => {
    hanging = await startLoopbackServer(() => undefined);
    child = await serve(['--endpoint', hanging.endpoint, '--upstream-timeout', '300']);
  });

  after(async () => {
    await stop(child);
    await hanging?.close();
  });

  it('answers 504 when the service has not started the reply in time', async () => {
    const client = new OpenAI({ apiKey: token, baseURL: `${child?.origin() ?? ''}/v1`, maxRetries: 0 });
    const started = Date.now();
    const e = await client.chat.completions
      .create({ model: 'gpt-4', messages: [{ role: 'user', content: 'Hi' }] })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(e).to.be.instanceOf(OpenAI.APIError);
    expect(e).to.deep.include({ status: 504, code: 'upstream_timeout_first-chunk' });
    expect(Date.now() - started).to.be.below(5_000);
  });
});

describe('yqcloud-rx serve refuses a bad --model-alias', () => {
  it('exits 2 naming the problem, for a malformed alias and for an unknown model', async () => {
    const run = (args: ReadonlyArray<string>) =>
      promisify(execFile)(process.execPath, [bin, 'serve', '--emulator', '--port', '0', ...args], {
        env: { ...process.env, YQCLOUD_RX_TOKEN: token },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code?: number; stderr?: string }) => ({ code: e.code, stderr: e.stderr ?? '' }),
      );
    const malformed = await run(['--model-alias', 'gpt-4o']);
    expect(malformed.code).to.equal(2);
    expect(malformed.stderr).to.include('expected alias=model');
    const unknown = await run(['--model-alias', 'gpt-4o=gpt-5']);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.include('"gpt-5" is not a model of the provider');
  });
});
