/**
 * The server side against hostile clients (issue 21's classes), on real loopback servers with the
 * real `openai` client: each `describe` is one class of attack, each fails on the code before
 * the one pipeline and passes after.
 */
import { expect } from 'chai';
import * as http from 'node:http';
import * as net from 'node:net';
import OpenAI from 'openai';
import { concat, defer, interval, map, type Observable, of, take, throwError, timer } from 'rxjs';
import { authorizationOf, isLoopbackHost, startServe } from '../../lib/cli/serve.js';
import { finish, text, type Chunk } from '../../lib/core/chunk.js';
import { networkError } from '../../lib/core/error.js';
import { bearerToken, createOpenAIHandler, createRelayHandler } from '../../lib/server/index.js';
import {
  emulatorUpstream,
  listen,
  post,
  providerOn,
  readEvents,
  relayHeaders,
  stopAll,
  textOf,
} from './relay.support.js';

const hello = [{ role: 'user' as const, content: 'hello' }];

/** The URL of a node:http server running `handler` at `/v1/...` paths (stopped by stopAll). */
const openaiBase = async (handler: http.RequestListener): Promise<string> =>
  (await listen(handler)).replace(/\/relay$/, '/v1');

/** Resolves with `promise`, or with 'pending' when it has not settled within `ms`. */
const settledWithin = <A>(promise: Promise<A>, ms: number): Promise<A | 'pending'> =>
  Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);

describe('hostile clients: conversations (class 1)', function () {
  this.timeout(60_000);
  afterEach(stopAll);

  it('Bob cannot read Alice’s relay conversation, by its id or by guessing ids around her request', async () => {
    const emulator = await emulatorUpstream();
    const relay = createRelayHandler({
      provider: providerOn(emulator.apiEndpoint),
      authorize: bearerToken('alice', 'bob'),
    });
    const url = await listen(relay);
    const as = (who: string) => relayHeaders({ authorization: `Bearer ${who}` });
    const before = Date.now();
    const alice = await readEvents(
      await post(
        url,
        { messages: [{ role: 'user', content: 'my diagnosis is XYZZY-4417' }], returnConversation: true },
        as('alice'),
      ),
    );
    const after = Date.now();
    const given = alice.events.find((e) => e.event === 'conversation')?.data as { userId: string };
    expect(given.userId).to.match(/^#\/chat\/\d+$/);
    const attempts = [
      given.userId,
      ...Array.from({ length: after - before + 3 }, (_, i) => `#/chat/${before - 1 + i}`),
    ];
    const leaked: Array<string> = [];
    for (const userId of attempts) {
      const response = await post(
        url,
        { messages: hello, conversation: { model: 'gpt-4', userId, message_history: [] } },
        as('bob'),
      );
      const reply = response.status === 200 ? textOf((await readEvents(response)).events) : await response.text();
      if (reply.includes('XYZZY')) leaked.push(userId);
    }
    expect(leaked).to.deep.equal([]);
    // Alice's own id is refused to Bob, not answered.
    const foreign = await post(
      url,
      { messages: hello, conversation: { model: 'gpt-4', userId: given.userId, message_history: [] } },
      as('bob'),
    );
    expect(foreign.status).to.equal(403);
    // And goes on for Alice.
    const again = await readEvents(
      await post(
        url,
        { messages: hello, conversation: { model: 'gpt-4', userId: given.userId, message_history: [] } },
        as('alice'),
      ),
    );
    expect(textOf(again.events)).to.include('XYZZY-4417');
  });

  it('concurrent OpenAI requests never share a service conversation', async () => {
    const emulator = await emulatorUpstream();
    const base = await openaiBase(
      createOpenAIHandler({
        provider: providerOn(emulator.apiEndpoint),
        authorize: bearerToken('k'),
        maxConcurrentStreams: 50,
      }),
    );
    const client = new OpenAI({ apiKey: 'k', baseURL: base, maxRetries: 0 });
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        client.chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: `request ${i}` }] }),
      ),
    );
    const ids = emulator.requests.map((r) => r.payload?.userId);
    expect(ids).to.have.length(24);
    expect(new Set(ids).size).to.equal(24);
    for (const id of ids) expect(id).to.match(/^#\/chat\/\d{20}$/);
  });
});

describe('hostile clients: limits keyed by what authorize verified (classes 2, 3)', function () {
  this.timeout(30_000);
  afterEach(stopAll);

  /** A provider whose replies never end until unsubscribed. */
  const endless = { create: (): Observable<Chunk> => interval(50).pipe(map(() => text('.'))) };

  it('invented bearer tokens do not add streams to a cookie-session client (relay and OpenAI route)', async () => {
    const authorize = (request: { readonly headers: Headers }) => request.headers.get('cookie') === 'sid=good';
    const relayUrl = await listen(createRelayHandler({ provider: endless, authorize, maxConcurrentStreams: 2 }));
    const base = await openaiBase(createOpenAIHandler({ provider: endless, authorize, maxConcurrentStreams: 2 }));
    for (const [url, body] of [
      [relayUrl, { messages: hello }],
      [`${base}/chat/completions`, { messages: hello, stream: true }],
    ] as const) {
      const controller = new AbortController();
      const statuses = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie: 'sid=good', authorization: `Bearer invented-${i}` },
            body: JSON.stringify(body),
            signal: controller.signal,
          }).then((r) => r.status),
        ),
      );
      controller.abort();
      expect(
        statuses.filter((s) => s === 200),
        url,
      ).to.have.length(2);
      expect(
        statuses.filter((s) => s === 429),
        url,
      ).to.have.length(3);
    }
  });

  it('serve: one budget per client across /relay and /v1 (4 streams in all, not 4 each)', async () => {
    const emulator = await emulatorUpstream({ delayMs: 200, pieceChars: 1 });
    const served = await startServe(
      { port: 0, host: '127.0.0.1', cors: [], auth: true, endpoint: emulator.apiEndpoint },
      bearerToken('T'),
      () => {},
    );
    try {
      const controller = new AbortController();
      const headers = { 'content-type': 'application/json', authorization: 'Bearer T' };
      const open = (path: string, body: unknown) =>
        fetch(`${served.url}${path}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          signal: controller.signal,
        })
          .then(async (r) => {
            // The OpenAI route answers its status with the first text: wait for the head only.
            return r.status;
          })
          .catch(() => 0);
      const relayStatuses = await Promise.all(Array.from({ length: 4 }, () => open('/relay', { messages: hello })));
      const openaiStatuses = await Promise.all(
        Array.from({ length: 4 }, () => open('/v1/chat/completions', { messages: hello, stream: true })),
      );
      controller.abort();
      expect(relayStatuses).to.deep.equal([200, 200, 200, 200]);
      expect(openaiStatuses).to.deep.equal([429, 429, 429, 429]);
    } finally {
      await served.close();
    }
  });
});

describe('hostile clients: an aborted Web request settles (class 4)', function () {
  this.timeout(15_000);
  afterEach(stopAll);

  for (const [when, stream, provider] of [
    ['mid-reply, stream: false', false, { create: () => interval(20).pipe(map(() => text('x'))) }],
    ['before the first text, stream: true', true, { create: () => timer(60_000).pipe(map(() => finish)) }],
  ] as const)
    it(`openai.fetch settles when aborted ${when}`, async () => {
      const openai = createOpenAIHandler({ provider, authorize: bearerToken('k') });
      const controller = new AbortController();
      const answer = openai.fetch(
        new Request('http://localhost/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
          body: JSON.stringify({ messages: hello, stream }),
          signal: controller.signal,
        }),
      );
      setTimeout(() => controller.abort(), 100);
      const settled = await settledWithin(answer, 3000);
      expect(settled).to.not.equal('pending');
    });

  it('relay.fetch settles when aborted before the first text', async () => {
    const relay = createRelayHandler({
      provider: { create: () => timer(60_000).pipe(map(() => finish)) },
      authorize: bearerToken('k'),
    });
    const controller = new AbortController();
    const answer = relay.fetch(
      new Request('http://localhost/relay', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
        body: JSON.stringify({ messages: hello }),
        signal: controller.signal,
      }),
    );
    setTimeout(() => controller.abort(), 100);
    const settled = await settledWithin(answer, 3000);
    expect(settled).to.not.equal('pending');
    if (settled !== 'pending' && settled.status === 200)
      expect(
        await settledWithin(
          settled.text().catch(() => 'cut'),
          3000,
        ),
      ).to.not.equal('pending');
  });
});

describe('hostile clients: huge replies stay in the stream (class 5, the OpenAI route)', function () {
  this.timeout(60_000);
  afterEach(stopAll);

  it('530 chunks of 1 Mi characters, stream: false: a 502 ResponseTooLarge, nothing thrown', async () => {
    const mebi = 'x'.repeat(1024 * 1024);
    const provider = {
      create: () =>
        concat(
          interval(0).pipe(
            take(530),
            map(() => text(mebi)),
          ),
          of(finish),
        ),
    };
    const uncaught: Array<unknown> = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.prependListener('uncaughtException', onUncaught);
    try {
      const base = await openaiBase(createOpenAIHandler({ provider, authorize: bearerToken('k') }));
      const response = await fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
        body: JSON.stringify({ messages: hello }),
      });
      expect(response.status).to.equal(502);
      expect(await response.json()).to.have.nested.property('error.code', 'upstream_response_too_large');
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).to.deep.equal([]);
  });
});

/** A raw TCP client: sends `head`, then `body` pieces, and records what the server answers. */
const rawClient = (
  port: number,
  head: string,
): { readonly socket: net.Socket; readonly answer: () => string; readonly closed: Promise<number> } => {
  let answer = '';
  const socket = net.connect(port, '127.0.0.1');
  socket.on('data', (piece) => {
    answer += piece.toString('latin1');
  });
  socket.on('error', () => {});
  const started = Date.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  socket.write(head);
  return { socket, answer: () => answer, closed };
};

describe('hostile clients: slow bodies and refused bodies (classes 6, 7)', function () {
  this.timeout(30_000);
  afterEach(stopAll);

  const bytesRead = (server: http.Server): (() => number) => {
    const total = 0;
    const sockets: Array<net.Socket> = [];
    server.on('connection', (s: net.Socket) => sockets.push(s));
    return () => total + sockets.reduce((sum, s) => sum + s.bytesRead, 0);
  };

  for (const [status, headers] of [
    [401, 'content-type: application/json\r\n'],
    [415, 'authorization: Bearer k\r\ncontent-type: text/plain\r\n'],
  ] as const)
    it(`a refused ${status} with content-length 96 MiB is answered without reading the body`, async () => {
      const server = http.createServer(
        createOpenAIHandler({ provider: { create: () => of(finish) }, authorize: bearerToken('k') }),
      );
      const read = bytesRead(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as net.AddressInfo;
      try {
        const client = rawClient(
          port,
          `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n${headers}content-length: ${96 * 1024 * 1024}\r\n\r\n`,
        );
        const piece = Buffer.alloc(64 * 1024, 0x20);
        let written = 0;
        const pump = (): void => {
          while (!client.socket.destroyed && written < 96 * 1024 * 1024) {
            written += piece.length;
            if (!client.socket.write(piece)) return void client.socket.once('drain', pump);
          }
        };
        pump();
        await settledWithin(client.closed, 10_000);
        expect(client.answer()).to.match(new RegExp(`^HTTP/1.1 ${status} `));
        expect(read()).to.be.lessThan(8 * 1024 * 1024);
        client.socket.destroy();
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

  it('a body trickled a byte at a time is cut at bodyTimeoutMs, and holds no stream slot meanwhile', async () => {
    const provider = { create: () => of(text('hi'), finish) };
    const relay = createRelayHandler({
      provider,
      authorize: bearerToken('k'),
      maxConcurrentStreams: 1,
      bodyTimeoutMs: 1500,
    });
    const url = new URL(await listen(relay));
    const client = rawClient(
      Number(url.port),
      'POST /relay HTTP/1.1\r\nhost: x\r\nauthorization: Bearer k\r\ncontent-type: application/json\r\ncontent-length: 200000\r\n\r\n{',
    );
    const trickle = setInterval(() => client.socket.write(' '), 100);
    try {
      // Meanwhile another stream of the same client is served: the slot is not taken by a body.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const other = await post(url.href, { messages: hello }, relayHeaders({ authorization: 'Bearer k' }));
      expect(other.status).to.equal(200);
      await other.text();
      const closedAfter = await settledWithin(client.closed, 6000);
      expect(closedAfter).to.be.a('number').and.lessThan(5000);
      expect(client.answer()).to.match(/^HTTP\/1.1 408 /);
    } finally {
      clearInterval(trickle);
      client.socket.destroy();
    }
  });

  it('serve cuts a header that never ends, with its flags', async () => {
    const emulator = await emulatorUpstream();
    const served = await startServe(
      {
        port: 0,
        host: '127.0.0.1',
        cors: [],
        auth: true,
        endpoint: emulator.apiEndpoint,
        headersTimeout: 1000,
        requestTimeout: 2000,
      } as Parameters<typeof startServe>[0],
      bearerToken('T'),
      () => {},
    );
    try {
      const client = rawClient(Number(new URL(served.url).port), 'POST /relay HTTP/1.1\r\nhost: x\r\n');
      const trickle = setInterval(() => client.socket.write('x'), 200);
      const closedAfter = await settledWithin(client.closed, 8000);
      clearInterval(trickle);
      client.socket.destroy();
      expect(closedAfter).to.be.a('number').and.lessThan(4000);
    } finally {
      await served.close();
    }
  });
});

describe('hostile clients: errors show a kind and a safe message (classes 8, 9)', function () {
  this.timeout(20_000);
  afterEach(stopAll);

  const secretError = new Error('pg connect failed: postgres://admin:hunter2pw@10.0.3.7:5432/prod');
  const failing = [
    ['a foreign Error', () => throwError(() => secretError), ['hunter2pw', '10.0.3.7', 'postgres']],
    [
      'a network error naming the service’s host and port',
      () => throwError(() => networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9')),
      ['127.0.0.1:9'],
    ],
    [
      'the same after some text',
      () =>
        concat(
          of(text('Hel')),
          defer(() => throwError(() => secretError)),
        ),
      ['hunter2pw', '10.0.3.7'],
    ],
  ] as const;

  for (const [what, create, forbidden] of failing)
    it(`${what}: no internals to the relay, the OpenAI route (stream, non-stream, fetch) or openai`, async () => {
      const provider = { create };
      const logged: Array<string> = [];
      const options = {
        provider,
        authorize: bearerToken('k'),
        logger: (entry: { readonly detail?: string | undefined }) => void logged.push(entry.detail ?? ''),
      };
      const relayUrl = await listen(createRelayHandler(options));
      const openai = createOpenAIHandler(options);
      const base = await openaiBase(openai);
      const bodies: Array<string> = [];
      bodies.push(
        await (await post(relayUrl, { messages: hello }, relayHeaders({ authorization: 'Bearer k' }))).text(),
      );
      for (const stream of [false, true]) {
        const init = {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
          body: JSON.stringify({ messages: hello, stream }),
        };
        bodies.push(await (await fetch(`${base}/chat/completions`, init)).text());
        bodies.push(await (await openai.fetch(new Request('http://localhost/v1/chat/completions', init))).text());
      }
      const client = new OpenAI({ apiKey: 'k', baseURL: base, maxRetries: 0 });
      const message = await client.chat.completions
        .create({ model: 'gpt-4', messages: hello })
        .then(() => 'no error')
        .catch((e: Error) => e.message);
      bodies.push(message);
      for (const body of bodies) for (const bad of forbidden) expect(body).to.not.include(bad);
      expect(message).to.not.equal('no error');
      // The log keeps the detail, with the password redacted.
      if (what !== 'a network error naming the service’s host and port') {
        expect(logged.join('\n')).to.include('10.0.3.7');
        expect(logged.join('\n')).to.not.include('hunter2pw');
      }
    });

  it('terminal escapes from the service never reach an OpenAI client; the status is said once', async () => {
    const hostile = http.createServer((_req, res) => {
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end('\u001b]52;c;aGFja2Vk\u0007\u001b[2J\u009b31mboom\r\nmore');
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hostile.address() as net.AddressInfo;
      const provider = providerOn(`http://127.0.0.1:${port}/api/generateStream`);
      const base = await openaiBase(createOpenAIHandler({ provider, authorize: bearerToken('k') }));
      const client = new OpenAI({ apiKey: 'k', baseURL: base, maxRetries: 0 });
      const error = await client.chat.completions.create({ model: 'gpt-4', messages: hello }).catch((e: Error) => e);
      expect(error).to.be.instanceOf(OpenAI.APIError);
      const message = (error as InstanceType<typeof OpenAI.APIError>).message;
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
      expect(message).to.not.match(/[\u0000-\u001f\u007f-\u009f]/);
      const unauthorized = await new OpenAI({ apiKey: 'wrong', baseURL: base, maxRetries: 0 }).chat.completions
        .create({ model: 'gpt-4', messages: hello })
        .catch((e: Error) => e.message);
      expect(unauthorized).to.not.match(/401.*401/);
    } finally {
      hostile.closeAllConnections();
      await new Promise((resolve) => hostile.close(resolve));
    }
  });
});

describe('hostile configuration: serve (classes 10, 13)', function () {
  this.timeout(20_000);
  afterEach(stopAll);

  it('never prints the endpoint’s password (--endpoint, YQCLOUD_API_ENDPOINT)', async () => {
    const emulator = await emulatorUpstream();
    const endpoint = emulator.apiEndpoint.replace('http://', 'http://bob:Zq7S3cr3tPw@');
    const lines: Array<string> = [];
    const served = await startServe(
      { port: 0, host: '127.0.0.1', cors: [], auth: true, endpoint },
      bearerToken('T'),
      (line) => void lines.push(line),
    );
    await served.close();
    const saved = process.env.YQCLOUD_API_ENDPOINT;
    process.env.YQCLOUD_API_ENDPOINT = endpoint;
    try {
      const fromEnv = await startServe(
        { port: 0, host: '127.0.0.1', cors: [], auth: true },
        bearerToken('T'),
        (line) => void lines.push(line),
      );
      await fromEnv.close();
    } finally {
      if (saved === undefined) delete process.env.YQCLOUD_API_ENDPOINT;
      else process.env.YQCLOUD_API_ENDPOINT = saved;
    }
    expect(lines.join('\n')).to.include('upstream:');
    expect(lines.join('\n')).to.not.include('Zq7S3cr3tPw');
  });

  it('--no-auth is for loopback addresses, parsed as IPs, not for names that start like one', () => {
    for (const host of ['127.0.0.1', '127.5.6.7', '::1', '[::1]', 'localhost', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(host), host).to.equal(true);
    for (const host of ['127.0.0.1.attacker.example', '127.evil.example', '0.0.0.0', '::', '10.0.0.1', '1270.0.0.1'])
      expect(isLoopbackHost(host), host).to.equal(false);
    expect(authorizationOf({ host: '127.0.0.1.attacker.example', auth: false, token: undefined }, {})).to.be.a(
      'string',
    );
  });
});
