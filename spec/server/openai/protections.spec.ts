import { expect } from 'chai';
import { YqcloudProvider } from '../../../lib/index.js';
import { startEmulator, type Emulator } from '../../../lib/emulator/index.js';
import { bearerToken } from '../../../lib/server/index.js';
import { createOpenAIHandler, type OpenAIHandler } from '../../../lib/server/routes/openai/openaiHandler.js';
import { apiKey, eventually, startOpenAIEndpoint, type OpenAIEndpoint } from './support.js';

const page = 'https://app.example.com';
const auth = { authorization: `Bearer ${apiKey}` };
const hello = JSON.stringify({ model: 'gpt-4', messages: [{ role: 'user', content: 'Hello' }], stream: true });

describe('OpenAI-compatible endpoint as a Web Request → Response handler', function () {
  this.timeout(20_000);
  let emulator: Emulator | undefined;
  let provider: YqcloudProvider | undefined;
  let openai: OpenAIHandler;

  before(async () => {
    emulator = await startEmulator({ delayMs: 2 });
    provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint, keepAlive: false });
    openai = createOpenAIHandler({ provider, authorize: bearerToken(apiKey), cors: { origins: [page] } });
  });

  after(async () => {
    provider?.destroy();
    await emulator?.close();
  });

  const post = (body: string, headers: Record<string, string> = {}): Request =>
    new Request('http://localhost/v1/chat/completions', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', ...headers },
      body,
    });

  it('streams chunks then [DONE] in a Response', async () => {
    const response = await openai.fetch(post(hello));
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^text\/event-stream/);
    const text = await response.text();
    const events = text.split('\n\n').filter((e) => e !== '');
    expect(events.at(-1)).to.equal('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')));
    expect(chunks[0].choices[0].delta).to.include({ role: 'assistant' });
    expect(chunks.at(-1).choices[0]).to.include({ finish_reason: 'stop' });
  });

  it('cancelling the body closes the request to the service', async () => {
    emulator?.injectFault({ kind: 'slow', delayMs: 100 });
    const response = await openai.fetch(post(hello));
    const reader = response.body?.getReader();
    expect((await reader?.read())?.done).to.equal(false);
    expect(emulator?.openConnections()).to.equal(1);
    await reader?.cancel();
    await eventually(() => emulator?.openConnections() === 0);
  });

  it('aborting the request signal closes the request to the service', async () => {
    emulator?.injectFault({ kind: 'slow', delayMs: 100 });
    const controller = new AbortController();
    const response = await openai.fetch(
      new Request('http://localhost/v1/chat/completions', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: hello,
        signal: controller.signal,
      }),
    );
    expect(response.status).to.equal(200);
    controller.abort();
    await eventually(() => emulator?.openConnections() === 0);
  });

  it('answers an allowed page’s preflight with the headers OpenAI clients send, and refuses other origins', async () => {
    const preflight = await openai.fetch(
      new Request('http://localhost/v1/chat/completions', {
        method: 'OPTIONS',
        headers: { origin: page, 'access-control-request-method': 'POST' },
      }),
    );
    expect(preflight.status).to.equal(204);
    expect(preflight.headers.get('access-control-allow-origin')).to.equal(page);
    expect(preflight.headers.get('access-control-allow-headers')).to.include('x-stainless-os');
    const other = await openai.fetch(post(hello, { origin: 'https://evil.example' }));
    expect(other.status).to.equal(403);
    expect(await other.json()).to.have.nested.property('error.type', 'permission_error');
    const allowed = await openai.fetch(
      post(JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] }), { origin: page }),
    );
    expect(allowed.headers.get('access-control-allow-origin')).to.equal(page);
    expect(allowed.headers.get('access-control-expose-headers')).to.include('x-should-retry');
    expect(await allowed.json()).to.have.property('object', 'chat.completion');
  });

  it('GET /v1/models needs the token too; other paths are 404 in OpenAI’s shape', async () => {
    const models = await openai.fetch(new Request('http://localhost/v1/models', { headers: auth }));
    expect(await models.json()).to.deep.equal({
      object: 'list',
      data: [{ id: 'gpt-4', object: 'model', created: 0, owned_by: 'yqcloud' }],
    });
    expect((await openai.fetch(new Request('http://localhost/v1/models'))).status).to.equal(401);
    const missing = await openai.fetch(
      new Request('http://localhost/v1/embeddings', { method: 'POST', headers: auth }),
    );
    expect(missing.status).to.equal(404);
    expect(await missing.json()).to.have.nested.property('error.code', 'unknown_url');
  });
});

describe('OpenAI-compatible endpoint with a provider that throws from create', () => {
  it('answers 502 in OpenAI’s shape and gives the stream slot back', async () => {
    let calls = 0;
    const openai = createOpenAIHandler({
      provider: {
        create: () => {
          calls++;
          throw new Error('boom');
        },
      },
      authorize: bearerToken(apiKey),
      maxConcurrentStreams: 1,
    });
    for (const _ of [1, 2]) {
      const response = await openai.fetch(
        new Request('http://localhost/v1/chat/completions', {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: hello,
        }),
      );
      expect(response.status).to.equal(502);
      expect(await response.json()).to.have.nested.property('error.type', 'upstream_error');
    }
    expect(calls).to.equal(2);
  });
});

describe('OpenAI-compatible endpoint on node:http: body limit and concurrent streams', function () {
  this.timeout(20_000);
  let endpoint: OpenAIEndpoint | undefined;

  before(async () => {
    endpoint = await startOpenAIEndpoint({}, { maxBodyBytes: 1024, maxConcurrentStreams: 1, retryAfterS: 3 });
  });

  after(async () => {
    await endpoint?.close();
  });

  const completions = (body: string, signal?: AbortSignal): Promise<Response> =>
    fetch(`${endpoint?.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body,
      ...(signal === undefined ? {} : { signal }),
    });

  it('a body over the limit is a 413 in OpenAI’s shape, and nothing reaches the service', async () => {
    const before = endpoint?.emulator.requests.length;
    const response = await completions(JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(2000) }] }));
    expect(response.status).to.equal(413);
    expect(await response.json()).to.have.nested.property('error.code', 'request_too_large');
    expect(endpoint?.emulator.requests.length).to.equal(before);
  });

  it('bad JSON is a 400 invalid_request_error', async () => {
    const response = await completions('{"messages":');
    expect(response.status).to.equal(400);
    expect(await response.json()).to.have.nested.property('error.type', 'invalid_request_error');
  });

  it('a second stream of the same client is a 429 with retry-after while the first runs, then served', async () => {
    endpoint?.emulator.injectFault({ kind: 'slow', delayMs: 100 });
    const controller = new AbortController();
    const first = await completions(hello, controller.signal);
    expect(first.status).to.equal(200);
    const second = await completions(hello);
    expect(second.status).to.equal(429);
    expect(second.headers.get('retry-after')).to.equal('3');
    expect(await second.json()).to.have.nested.property('error.type', 'rate_limit_error');
    controller.abort();
    await first.body?.cancel().catch(() => undefined);
    await eventually(() => endpoint?.emulator.openConnections() === 0);
    const third = await completions(JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] }));
    expect(third.status).to.equal(200);
  });
});

describe('OpenAI-compatible endpoint with a client that stops reading', function () {
  this.timeout(20_000);
  let emulator: Emulator | undefined;
  let provider: YqcloudProvider | undefined;

  before(async () => {
    emulator = await startEmulator({ reply: () => 'x'.repeat(200_000), pieceChars: 100, delayMs: 5 });
    provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint, keepAlive: false });
  });

  after(async () => {
    provider?.destroy();
    await emulator?.close();
  });

  it('aborts the request to the service once maxBufferedBytes wait unread (Web Response)', async () => {
    if (provider === undefined) throw new Error('no provider');
    const openai = createOpenAIHandler({ provider, authorize: bearerToken(apiKey), maxBufferedBytes: 4096 });
    const response = await openai.fetch(
      new Request('http://localhost/v1/chat/completions', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: hello,
      }),
    );
    expect(response.status).to.equal(200);
    // The reply takes ~10 s; the budget is passed after ~100 pieces.
    await eventually(() => emulator?.openConnections() === 0, 3000);
    const error = await response.text().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(Error);
  });
});
