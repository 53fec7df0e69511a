/**
 * RelayProvider over real loopback HTTP: against a scripted event stream, and against the small
 * spec relay (spec/support/sseRelay.ts) in front of the emulator, with the global fetch of Node.
 */
import { expect } from 'chai';
import { filter, firstValueFrom, lastValueFrom, take, tap, toArray } from 'rxjs';
import { startEmulator, type Emulator } from '../../lib/emulator/index.js';
import {
  accumulateText,
  bufferText,
  Conversation,
  createChatSession,
  finalMessage,
  RelayProvider,
  retryTransient,
  textOnly,
  YqcloudError,
  YqcloudProvider,
  type Chunk,
  type ChatState,
  type Message,
} from '../../lib/index.js';
import { toMarble } from '../../lib/testing/index.js';
import { httpError, invalidRequest, withPartialText } from '../../lib/core/error.js';
import { closedPort } from '../support/closedPort.js';
import { gate, startLoopbackServer, within, type Handler, type LoopbackServer } from '../support/loopbackServer.js';
import { sse, sseHeaders, sseRelayHandler, sseRelayToken } from '../support/sseRelay.js';
import { collectReply, textOf } from '../support/collect.js';

const messages: ReadonlyArray<Message> = [{ role: 'user', content: 'Hello there' }];
const auth = { authorization: `Bearer ${sseRelayToken}` };

describe('provider/RelayProvider against a scripted event stream (loopback)', () => {
  let server: LoopbackServer;
  let handler: Handler = (_req, res) => res.end();

  before(async () => {
    server = await startLoopbackServer((req, res, recorded) => handler(req, res, recorded));
  });
  after(async () => {
    await server?.close();
  });

  const client = (options: Partial<ConstructorParameters<typeof RelayProvider>[0]> = {}): RelayProvider =>
    new RelayProvider({ url: `${server.origin}/api/chat`, headers: auth, ...options });

  it('sends the relay’s request (docs/relay.md): POST JSON, accept text/event-stream, the headers given, body keys exactly', async () => {
    handler = (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.end(sse('text', { text: 'Hi' }) + sse('finish', { reason: 'stop' }));
    };
    const conversation = Conversation.make('gpt-4', () => 1764614400000);
    await lastValueFrom(
      client({ headers: { ...auth, 'x-trace': 'abc', Accept: 'text/html' } }).create({
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
        conversation: { ...conversation, messageHistory: [{ role: 'user', content: 'Before' }] },
        returnConversation: true,
        stream: false,
      }),
    );
    const [sent] = server.requests.slice(-1);
    expect(sent).to.include({ method: 'POST', url: '/api/chat' });
    expect(sent?.headers).to.include({
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: auth.authorization,
      'x-trace': 'abc',
    });
    expect(JSON.parse(sent?.body ?? '')).to.deep.equal({
      messages: [{ role: 'user', content: 'Hello' }],
      model: 'gpt-4',
      conversation: {
        model: 'gpt-4',
        userId: '#/chat/1764614400000',
        message_history: [{ role: 'user', content: 'Before' }],
      },
      returnConversation: true,
    });
    await lastValueFrom(client().create({ messages }));
    expect(JSON.parse(server.requests.at(-1)?.body ?? '')).to.deep.equal({ messages, model: 'gpt-4' });
  });

  it('is lazy and cold: nothing is sent before subscription, each subscription is one POST', async () => {
    handler = (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.end(sse('finish', { reason: 'stop' }));
    };
    let fetched = 0;
    const counting: typeof fetch = (input, init) => {
      fetched += 1;
      return fetch(input, init);
    };
    const before = server.requests.length;
    const reply$ = client({ fetch: counting }).create({ messages });
    expect(fetched, 'fetch called by create() alone').to.equal(0);
    await lastValueFrom(reply$);
    await lastValueFrom(reply$);
    expect(fetched).to.equal(2);
    expect(server.requests.length).to.equal(before + 2);
  });

  it('bad input or options fail with InvalidRequest and nothing is sent', async () => {
    const before = server.requests.length;
    const cases: ReadonlyArray<readonly [RelayProvider, unknown, string]> = [
      [client(), { messages: [] }, 'messages'],
      [client(), { messages: [{ role: 'bot', content: 'x' }] }, 'messages.0.role'],
      [client(), { messages, model: 'gpt-5' }, 'model'],
      [client(), { messages, proxy: 'http://user:pw@127.0.0.1:9' }, 'proxy'],
      [client(), { messages, temperature: 1 }, 'temperature'],
      [new RelayProvider({ url: 'ftp://127.0.0.1/chat' }), { messages }, 'url'],
      [new RelayProvider({ url: 'http://user:hunter2@127.0.0.1/chat' }), { messages }, 'url'],
      [new RelayProvider({ url: '' }), { messages }, 'url'],
      [client({ headers: { 'x-bad': 'a\r\nb' } }), { messages }, 'headers.x-bad'],
      [client({ fetch: 'no' as never }), { messages }, 'fetch'],
      [new RelayProvider({ url: server.origin, ca: 'PEM' } as never), { messages }, 'ca'],
      [new RelayProvider(null as never), { messages }, ''],
      [client({ resume: { maxAttempts: -1 } }), { messages }, 'resume.maxAttempts'],
      [client({ resume: { tries: 2 } as never }), { messages }, 'resume.tries'],
      [client({ resume: true as never }), { messages }, 'resume'],
    ];
    for (const [provider, request, path] of cases) {
      const { error } = await collectReply(provider.create(request as never));
      expect(error, path).to.be.instanceOf(YqcloudError);
      expect(error).to.include({ kind: 'InvalidRequest', path, partialText: '' });
      expect(JSON.stringify(error)).to.not.include('hunter2');
      expect(JSON.stringify(error)).to.not.include('pw@');
      expect(error?.stack).to.not.include('hunter2');
    }
    expect(server.requests.length).to.equal(before);
  });

  it('a relay that drops mid-reply is Network with the text received', async () => {
    handler = (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.write(sse('text', { text: 'Hel' }));
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const { chunks, error } = await collectReply(client().create({ messages }));
    expect(textOf(chunks)).to.equal('Hel');
    expect(error).to.include({ kind: 'Network', partialText: 'Hel' });
  });

  it('a stream that ends cleanly before finish is Network ERR_STREAM_PREMATURE_CLOSE with the text received', async () => {
    handler = (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.end(sse('text', { text: 'Hel' }));
    };
    const { error } = await collectReply(client().create({ messages }));
    expect(error).to.include({ kind: 'Network', code: 'ERR_STREAM_PREMATURE_CLOSE', partialText: 'Hel' });
  });

  it('an error event is revived with the client’s own partialText', async () => {
    handler = (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.write(sse('text', { text: '你' }) + sse('text', { text: '好' }));
      res.end(sse('error', withPartialText('something else')(httpError(503, 'busy', 2000))));
    };
    const { chunks, error } = await collectReply(client().create({ messages }));
    expect(chunks).to.have.length(2);
    expect(error?.toJSON()).to.deep.equal(withPartialText('你好')(httpError(503, 'busy', 2000)).toJSON());
  });

  it('refusals keep their kind; a body without a JSON error is Http with its status; Retry-After is read', async () => {
    const cases: ReadonlyArray<readonly [number, Record<string, string>, string, Record<string, unknown>]> = [
      [
        400,
        {},
        JSON.stringify({ error: invalidRequest('messages', 'bad') }),
        { kind: 'InvalidRequest', path: 'messages' },
      ],
      [
        401,
        { 'www-authenticate': 'Bearer' },
        JSON.stringify({ error: httpError(401, '') }),
        { kind: 'Http', status: 401 },
      ],
      [403, {}, JSON.stringify({ error: httpError(403, 'origin not allowed') }), { kind: 'Http', status: 403 }],
      [413, {}, JSON.stringify({ error: invalidRequest('', 'too large') }), { kind: 'InvalidRequest' }],
      [415, {}, JSON.stringify({ error: httpError(415, '') }), { kind: 'Http', status: 415 }],
      [
        429,
        { 'retry-after': '2' },
        JSON.stringify({ error: httpError(429, 'slow') }),
        { kind: 'Http', status: 429, retryAfterMs: 2000 },
      ],
      [502, {}, '<html>bad gateway</html>', { kind: 'Http', status: 502, body: '<html>bad gateway</html>' }],
      [500, {}, '', { kind: 'Http', status: 500, body: '' }],
      [307, { location: '/elsewhere' }, '', { kind: 'Http', status: 307 }],
    ];
    for (const [status, headers, text, expected] of cases) {
      handler = (_req, res) => {
        res.writeHead(status, { 'content-type': text.startsWith('{') ? 'application/json' : 'text/html', ...headers });
        res.end(text);
      };
      const before = server.requests.length;
      const { chunks, error } = await collectReply(client().create({ messages }));
      expect(chunks, String(status)).to.deep.equal([]);
      expect(error, String(status)).to.include({ ...expected, partialText: '' });
      expect(server.requests.length, 'no redirect followed').to.equal(before + 1);
    }
  });

  it('unsubscribing aborts the fetch: the relay sees its socket close', async () => {
    const never = gate();
    handler = async (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.write(sse('text', { text: 'Hel' }));
      await never.promise;
    };
    const closed = server.socketClosed();
    const first = await firstValueFrom(client().create({ messages }));
    expect(first).to.deep.equal({ type: 'text', text: 'Hel' });
    expect(await within(closed, 2000)).to.not.equal('deadline');
    never.open();
  });

  it('an aborted signal aborts the fetch and completes without finish; an already aborted one sends nothing', async () => {
    const never = gate();
    handler = async (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.write(sse('text', { text: 'Hel' }));
      await never.promise;
    };
    const controller = new AbortController();
    const closed = server.socketClosed();
    const firstText = gate();
    const done = collectReply(
      client()
        .create({ messages, signal: controller.signal })
        .pipe(tap(() => firstText.open())),
    );
    await firstText.promise;
    controller.abort();
    const { chunks, error } = await done;
    expect(error).to.equal(undefined);
    expect(chunks.map((c) => c.type)).to.deep.equal(['text']);
    expect(await within(closed, 2000)).to.not.equal('deadline');
    never.open();

    const before = server.requests.length;
    const aborted = await collectReply(client().create({ messages, signal: AbortSignal.abort() }));
    expect(aborted).to.deep.equal({ chunks: [] });
    expect(server.requests.length).to.equal(before);
  });

  it('a relay that cannot be reached is Network', async () => {
    const { error } = await collectReply(
      new RelayProvider({ url: `http://127.0.0.1:${await closedPort()}/chat` }).create({ messages }),
    );
    expect(error).to.include({ kind: 'Network', code: 'ECONNREFUSED', partialText: '' });
  });

  it('the token in headers is never in an error’s message, JSON or stack', async () => {
    const secret = 'Bearer sk-very-secret-0123';
    handler = (_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end(JSON.stringify({ error: httpError(401, '') }));
    };
    const refused = `http://127.0.0.1:${await closedPort()}/chat`;
    for (const provider of [
      client({ headers: { authorization: secret } }),
      new RelayProvider({ url: refused, headers: { authorization: secret } }),
    ]) {
      const { error } = await collectReply(provider.create({ messages }));
      expect(error).to.be.instanceOf(YqcloudError);
      for (const text of [error?.message, JSON.stringify(error), error?.stack, String(error?.cause)])
        expect(text).to.not.include('sk-very-secret');
    }
  });

  it('takes a fetch of its own, called without a `this` (as a browser’s must be)', async () => {
    handler = (_req, res) => {
      res.writeHead(200, sseHeaders);
      res.end(sse('text', { text: 'ok' }) + sse('finish', { reason: 'stop' }));
    };
    const seen: Array<unknown> = [];
    const provider = client({
      fetch: function (this: unknown, input, init) {
        seen.push(this, input, init.method);
        return fetch(input, init);
      },
    });
    expect(textOf(await lastValueFrom(provider.create({ messages }).pipe(toArray())))).to.equal('ok');
    expect(seen).to.deep.equal([undefined, `${server.origin}/api/chat`, 'POST']);
  });
});

describe('provider/RelayProvider through the spec relay in front of the emulator', () => {
  let emulator: Emulator;
  let relay: LoopbackServer;
  let upstream: YqcloudProvider;
  let client: RelayProvider;
  // A new conversation id per request, so that each starts its own conversation in the emulator.
  let clock = 1764614400000;

  before(async () => {
    emulator = await startEmulator({ pieceChars: 3, delayMs: 5 });
    upstream = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint, now: () => clock++ });
    relay = await startLoopbackServer(sseRelayHandler(upstream));
    client = new RelayProvider({ url: relay.origin, headers: auth });
  });
  after(async () => {
    upstream?.destroy();
    await relay?.close();
    await emulator?.close();
  });

  it('gives the same chunks as the provider itself (compared as marbles of yqcloud-rx/testing)', async () => {
    const request = { messages, returnConversation: true };
    const direct = await lastValueFrom(upstream.create(request).pipe(toArray()));
    const relayed = await lastValueFrom(client.create(request).pipe(toArray()));
    expect(textOf(relayed)).to.equal(textOf(direct));
    // The text in one piece (pieces may be cut differently on the way), the conversation's id aside.
    const comparable = (chunks: ReadonlyArray<Chunk>): ReadonlyArray<Chunk> => [
      { type: 'text', text: textOf(chunks) },
      ...chunks.flatMap(
        (chunk): ReadonlyArray<Chunk> =>
          chunk.type === 'text'
            ? []
            : chunk.type === 'conversation'
              ? [{ type: 'conversation', conversation: { ...chunk.conversation, userId: '#/chat/0' } }]
              : [chunk],
      ),
    ];
    expect(toMarble(comparable(relayed))).to.deep.equal(toMarble(comparable(direct)));
    expect(toMarble(comparable(relayed)).marble).to.equal('(aCF|)');
    expect(relayed.filter((c) => c.type === 'text').length).to.be.greaterThan(2);
  });

  it('the operators work on it unchanged', async () => {
    expect(await lastValueFrom(client.create({ messages }).pipe(textOnly(), toArray()))).to.have.length.greaterThan(2);
    const snapshots = await lastValueFrom(client.create({ messages }).pipe(accumulateText(), toArray()));
    const reply = snapshots.at(-1);
    expect(reply).to.match(/^You said: "Hello there"\. This is turn 1 of our conversation/);
    const final = await lastValueFrom(client.create({ messages }).pipe(finalMessage()));
    expect(final).to.deep.equal({ role: 'assistant', content: reply });
    const words = await lastValueFrom(
      client.create({ messages }).pipe(bufferText({ boundary: 'word', timeMs: 1000 }), textOnly(), toArray()),
    );
    expect(words.join('')).to.equal(reply);
    expect(
      words.slice(0, -1).every((w) => /\s$/.test(w)),
      JSON.stringify(words),
    ).to.equal(true);
  });

  it('retryTransient retries a refusal the relay passes on (the emulator’s 503), then streams', async () => {
    emulator.injectFault({ kind: 'status', status: 503 });
    const before = emulator.requests.length;
    const reply = await lastValueFrom(
      client.create({ messages }).pipe(retryTransient({ baseDelayMs: 1, maxDelayMs: 5 }), accumulateText()),
    );
    expect(reply).to.match(/^You said/);
    expect(emulator.requests.length).to.equal(before + 2);
  });

  it('createChatSession runs on it: two turns of one conversation, the second continuing the first', async () => {
    const chat = createChatSession(client);
    const idle = (turns: number): Promise<ChatState> =>
      firstValueFrom(chat.state$.pipe(filter((s) => s.status !== 'streaming' && s.messages.length === turns * 2)));
    chat.send('First');
    await idle(1);
    chat.send('Second');
    const state = await idle(2);
    chat.close();
    expect(state.status).to.equal('idle');
    expect(state.messages.map((m) => m.role)).to.deep.equal(['user', 'assistant', 'user', 'assistant']);
    expect(String(state.messages[3]?.content)).to.match(/turn 2 of our conversation\. Earlier you said: "First"/);
  });

  it('an in-band ban upstream arrives as Blocked', async () => {
    emulator.injectFault({ kind: 'ban' });
    const { chunks, error } = await collectReply(client.create({ messages }));
    expect(chunks).to.deep.equal([]);
    expect(error).to.include({ kind: 'Blocked', reason: 'ip-banned', partialText: '' });
  });

  it('a wrong token is Http 401 and nothing reaches the emulator', async () => {
    const before = emulator.requests.length;
    const { error } = await collectReply(
      new RelayProvider({ url: relay.origin, headers: { authorization: 'Bearer nope' } }).create({ messages }),
    );
    expect(error).to.include({ kind: 'Http', status: 401 });
    expect(emulator.requests.length).to.equal(before);
  });

  it('unsubscribing closes the emulator’s socket, through the relay', async () => {
    const slow = await startEmulator({ pieceChars: 2, delayMs: 50 });
    const slowUpstream = new YqcloudProvider({ apiEndpoint: slow.apiEndpoint });
    const slowRelay = await startLoopbackServer(sseRelayHandler(slowUpstream));
    try {
      const first = await firstValueFrom(
        new RelayProvider({ url: slowRelay.origin, headers: auth }).create({ messages }).pipe(take(1)),
      );
      expect(first.type).to.equal('text');
      const deadline = Date.now() + 2000;
      while (slow.openConnections() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(slow.openConnections()).to.equal(0);
    } finally {
      slowUpstream.destroy();
      await slowRelay.close();
      await slow.close();
    }
  });

  it('createAsyncGenerator yields the same chunks; leaving the loop early aborts', async () => {
    const types: Array<string> = [];
    for await (const chunk of client.createAsyncGenerator({ messages })) types.push(chunk.type);
    expect(types.at(-1)).to.equal('finish');
    const closed = relay.socketClosed();
    for await (const chunk of client.createAsyncGenerator({ messages })) if (chunk.type === 'text') break;
    expect(await within(closed, 2000)).to.not.equal('deadline');
  });
});
