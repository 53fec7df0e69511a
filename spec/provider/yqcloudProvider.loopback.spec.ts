import { getEventListeners } from 'node:events';
import { expect } from 'chai';
import { concatMap, firstValueFrom, lastValueFrom, range, take, tap, toArray } from 'rxjs';
import type { Conversation } from '../../lib/core/conversation.js';
import { YqcloudError } from '../../lib/core/error.js';
import type { Chunk } from '../../lib/core/chunk.js';
import type { Message } from '../../lib/core/message.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { banPrefix, abnormalTrafficPrefix } from '../../lib/provider/inBand.js';
import { deepFreeze } from '../support/arbitraries.js';
import { collect } from '../support/collect.js';
import {
  gate,
  startLoopbackServer,
  within,
  writePieces,
  writeTogether,
  type LoopbackServer,
} from '../support/loopbackServer.js';

const hello: ReadonlyArray<Message> = [{ role: 'user', content: 'Hello' }];
const texts = (chunks: ReadonlyArray<Chunk>): ReadonlyArray<string> =>
  chunks.flatMap((c) => (c.type === 'text' ? [c.text] : []));
const joined = (chunks: ReadonlyArray<Chunk>): string => texts(chunks).join('');

describe('provider/YqcloudProvider on a loopback server', () => {
  const servers: Array<LoopbackServer> = [];
  const providers: Array<YqcloudProvider> = [];

  const serve = async (handler: Parameters<typeof startLoopbackServer>[0]): Promise<LoopbackServer> => {
    const server = await startLoopbackServer(handler);
    servers.push(server);
    return server;
  };
  const providerFor = (
    server: LoopbackServer,
    options: ConstructorParameters<typeof YqcloudProvider>[0] = {},
  ): YqcloudProvider => {
    const provider = new YqcloudProvider({ apiEndpoint: server.endpoint, now: () => 1700000000000, ...options });
    providers.push(provider);
    return provider;
  };

  afterEach(async () => {
    for (const provider of providers.splice(0)) provider.destroy();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  describe('the request', () => {
    it('POSTs the six body keys and the protocol headers', async () => {
      const server = await serve((_req, res) => res.end('Hi!'));
      const provider = providerFor(server);
      await lastValueFrom(
        provider.create({ messages: [{ role: 'system', content: 'Be brief' }, ...hello], stream: false }),
      );
      expect(server.requests).to.have.length(1);
      const [request] = server.requests;
      expect(request?.method).to.equal('POST');
      expect(request?.url).to.equal('/api/generateStream');
      expect(JSON.parse(request?.body ?? '')).to.deep.equal({
        prompt: 'Hello',
        userId: '#/chat/1700000000000',
        network: true,
        system: 'Be brief',
        withoutContext: false,
        stream: false,
      });
      expect(request?.headers).to.include({
        accept: 'application/json, text/plain, */*',
        'accept-language': 'en-US,en;q=0.9',
        'content-type': 'application/json',
        origin: 'https://chat9.yqcloud.top',
        referer: 'https://chat9.yqcloud.top/',
      });
      expect(request?.headers['user-agent']).to.match(/^Mozilla\/5\.0 \(Windows NT 10\.0; Win64; x64\)/);
    });

    it('adds the provider’s extra headers, replacing a protocol header of the same name', async () => {
      const server = await serve((_req, res) => res.end('ok'));
      const provider = providerFor(server, { headers: { 'X-Trace': 't-1', 'Accept-Language': 'fr' } });
      await lastValueFrom(provider.create({ messages: hello }));
      expect(server.requests[0]?.headers).to.include({ 'x-trace': 't-1', 'accept-language': 'fr' });
      const names = server.requests[0]?.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
      expect(names?.filter((n) => n === 'accept-language')).to.have.length(1);
    });

    it('is lazy: nothing is sent until subscription, and each subscription is one request', async () => {
      const server = await serve((_req, res) => res.end('ok'));
      const reply$ = providerFor(server).create({ messages: hello });
      await new Promise((resolve) => setImmediate(resolve));
      expect(server.requests).to.have.length(0);
      await lastValueFrom(reply$);
      await lastValueFrom(reply$);
      expect(server.requests).to.have.length(2);
    });

    it('sends nothing for an invalid request (the server counts 0 requests)', async () => {
      const server = await serve((_req, res) => res.end('ok'));
      const provider = providerFor(server);
      const bad: ReadonlyArray<unknown> = [
        { messages: [] },
        { messages: [{ role: 'bot', content: 'x' }] },
        { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'x' }] }] },
        {
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'a' },
                { type: 'image', image: 'x' },
              ],
            },
          ],
        },
        { messages: hello, model: 'gpt-5' },
        { messages: hello, proxy: 'not a url' },
        { messages: hello, proxy: 'http://' },
        { messages: hello, proxy: 'ftp://proxy:21' },
        { messages: hello, stream: 'yes' },
        { messages: hello, returnConversation: 1 },
        { messages: hello, colour: 'blue' },
      ];
      for (const request of bad) {
        const { error } = await collect(provider.create(request as never));
        expect(error, JSON.stringify(request))
          .to.be.instanceOf(YqcloudError)
          .and.have.property('kind', 'InvalidRequest');
        expect(error, JSON.stringify(request)).to.include({ partialText: '' });
        const thrown = await (async () => {
          for await (const _ of provider.createAsyncGenerator(request as never)) return undefined;
        })().catch((e: unknown) => e);
        expect(YqcloudError.is(thrown, 'InvalidRequest'), `createAsyncGenerator ${JSON.stringify(request)}`).to.equal(
          true,
        );
      }
      for (const headers of [{ 'x-a': 'v\r\nx-b: evil' }, { 'x-a\r\nx-b': 'v' }, { 'x-a': 'v\nx' }]) {
        const { error } = await collect(providerFor(server, { headers }).create({ messages: hello }));
        expect(error, JSON.stringify(headers))
          .to.be.instanceOf(YqcloudError)
          .and.have.property('kind', 'InvalidRequest');
      }
      expect(server.requests).to.have.length(0);
      expect(server.connections).to.equal(0);
    });
  });

  describe('the caller’s values', () => {
    it('are never mutated: a deeply frozen request, conversation and options go through create and createAsyncGenerator', async () => {
      let n = 0;
      const server = await serve((_req, res) => {
        n += 1;
        if (n === 3) {
          res.writeHead(500);
          res.end('no');
        } else {
          writeTogether(res, ['Fi', 'ne']);
          res.end();
        }
      });
      const options = deepFreeze({ headers: { 'x-trace': 't' }, keepAlive: true });
      const conversation: Conversation = deepFreeze({
        model: 'gpt-4',
        userId: '#/chat/7',
        messageHistory: [
          { role: 'system', content: [{ type: 'text', text: 'Be kind' }] },
          { role: 'user', content: 'Hi' },
        ],
      });
      const request = deepFreeze({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'How ' },
              { type: 'text', text: 'are you?' },
            ],
          },
        ],
        conversation,
        returnConversation: true,
      } as const);
      const snapshot = JSON.stringify({ options, request });
      const provider = providerFor(server, options);

      const chunks = await lastValueFrom(provider.create(request).pipe(toArray()));
      const fromGenerator: Array<Chunk> = [];
      for await (const chunk of provider.createAsyncGenerator(request)) fromGenerator.push(chunk);
      const { error } = await collect(provider.create(request));

      // The two pieces arrive together: one text chunk.
      expect(chunks.map((c) => c.type)).to.deep.equal(['text', 'conversation', 'finish']);
      expect(texts(chunks)).to.deep.equal(['Fine']);
      expect(fromGenerator).to.deep.equal(chunks);
      expect(error).to.include({ kind: 'Http', status: 500 });
      const returned = chunks.find((c) => c.type === 'conversation');
      expect(returned?.type === 'conversation' && returned.conversation).to.deep.equal({
        model: 'gpt-4',
        userId: '#/chat/7',
        messageHistory: [
          ...conversation.messageHistory,
          { role: 'user', content: 'How are you?' },
          { role: 'assistant', content: 'Fine' },
        ],
      });
      expect(returned?.type === 'conversation' && returned.conversation).to.not.equal(conversation);
      expect(JSON.stringify({ options, request })).to.equal(snapshot);
    });
  });

  describe('streaming', () => {
    // The first piece before the second, plain and gzip: the transport contract (spec/http/transportContract.ts).
    it('decodes a body sent one byte at a time through CJK and emoji', async () => {
      const reply = '你好, 世界 👋🏽 — ok ✓';
      const bytes = [...Buffer.from(reply, 'utf8')].map((b) => Uint8Array.of(b));
      const server = await serve((_req, res) => writePieces(res, bytes));
      const chunks = await lastValueFrom(providerFor(server).create({ messages: hello }).pipe(toArray()));
      expect(joined(chunks)).to.equal(reply);
      expect(texts(chunks).filter((t) => t === '' || t.includes('\uFFFD'))).to.deep.equal([]);
      expect(chunks.at(-1)).to.deep.equal({ type: 'finish', reason: 'stop' });
    });

    it('with returnConversation, emits text…, the conversation, then finish', async () => {
      // The second piece is written once the first reached the subscriber: two arrivals, two chunks.
      const firstSeen = gate();
      const server = await serve(async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.write('Hi');
        await firstSeen.promise;
        res.end(' there');
      });
      const chunks = await lastValueFrom(
        providerFor(server)
          .create({ messages: hello, returnConversation: true })
          .pipe(
            tap(() => firstSeen.open()),
            toArray(),
          ),
      );
      expect(chunks.map((c) => c.type)).to.deep.equal(['text', 'text', 'conversation', 'finish']);
      expect(texts(chunks)).to.deep.equal(['Hi', ' there']);
      const last = chunks[2];
      expect(last?.type === 'conversation' && last.conversation).to.deep.equal({
        model: 'gpt-4',
        userId: '#/chat/1700000000000',
        messageHistory: [...hello, { role: 'assistant', content: 'Hi there' }],
      });
    });

    it('keeps each reply’s own text when replies of long pieces follow and overlap one another (their blocks are reused)', async () => {
      let request = 0;
      let halfway = gate();
      const server = await serve(async (_req, res) => {
        const letter = 'abcdef'[request++ % 6] ?? 'z';
        const pieces = Array.from({ length: 12 }, (_, i) => `${letter}${i}`.padEnd(6000, letter));
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        const write = (piece: string): Promise<void> => new Promise((resolve) => res.write(piece, () => resolve()));
        for (const piece of pieces.slice(0, 6)) await write(piece);
        await halfway.promise;
        for (const piece of pieces.slice(6)) await write(piece);
        res.end();
      });
      const provider = providerFor(server);
      let started = 0;
      const reply = async (together: number): Promise<readonly [string, string]> => {
        let seen = 0;
        const chunks = await lastValueFrom(
          provider.create({ messages: hello, returnConversation: true }).pipe(
            tap((chunk) => {
              if (chunk.type !== 'text') return;
              seen += chunk.text.length;
              if (seen < 36_000 || seen - chunk.text.length >= 36_000) return;
              if (++started === together) halfway.open();
            }),
            toArray(),
          ),
        );
        const last = chunks.at(-2);
        return [
          joined(chunks),
          last?.type === 'conversation' ? String(last.conversation.messageHistory.at(-1)?.content) : '',
        ];
      };
      const first = await reply(1);
      halfway = gate();
      started = 0;
      const overlapping = await Promise.all([reply(4), reply(4), reply(4), reply(4)]);
      for (const [streamed, kept] of [first, ...overlapping]) {
        expect(streamed).to.have.length(72_000);
        expect(kept).to.equal(streamed);
      }
      expect(new Set([first, ...overlapping].map(([streamed]) => streamed[0])).size).to.equal(5);
    });

    it('continues a conversation: only the last message is appended, the userId is kept', async () => {
      const server = await serve((_req, res) => res.end('Fine'));
      const conversation: Conversation = {
        model: 'gpt-4',
        userId: '#/chat/42',
        messageHistory: [
          { role: 'system', content: 'Be kind' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello' },
        ],
      };
      const frozen = JSON.stringify(conversation);
      const chunks = await lastValueFrom(
        providerFor(server)
          .create({
            messages: [
              { role: 'user', content: 'ignored: only the last counts' },
              { role: 'user', content: 'How are you?' },
            ],
            conversation,
            returnConversation: true,
          })
          .pipe(toArray()),
      );
      expect(JSON.parse(server.requests[0]?.body ?? '')).to.deep.include({
        userId: '#/chat/42',
        system: 'Be kind',
        prompt: 'User: Hi\nAssistant: Hello\nUser: How are you?\nAssistant:',
      });
      const returned = chunks.find((c) => c.type === 'conversation');
      expect(returned?.type === 'conversation' && returned.conversation.messageHistory).to.deep.equal([
        ...conversation.messageHistory,
        { role: 'user', content: 'How are you?' },
        { role: 'assistant', content: 'Fine' },
      ]);
      expect(JSON.stringify(conversation)).to.equal(frozen);
    });
  });

  describe('cancellation', () => {
    const hangingServer = (): Promise<LoopbackServer> =>
      serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
      });

    it('unsubscribing closes the server’s socket', async () => {
      const server = await hangingServer();
      const firstText = new Promise<void>((resolve) => {
        const subscription = providerFor(server)
          .create({ messages: hello })
          .subscribe(() => {
            resolve();
            queueMicrotask(() => subscription.unsubscribe());
          });
      });
      await firstText;
      const closed = server.socketClosed();
      expect(await within(closed, 500)).to.not.equal('deadline');
    });

    it('aborting `signal` closes the server’s socket and completes the stream', async () => {
      const server = await hangingServer();
      const controller = new AbortController();
      const chunks: Array<Chunk> = [];
      const completed = new Promise<void>((resolve, reject) =>
        providerFor(server)
          .create({ messages: hello, signal: controller.signal })
          .subscribe({
            next: (chunk) => {
              chunks.push(chunk);
              controller.abort();
            },
            error: reject,
            complete: resolve,
          }),
      );
      const closed = server.socketClosed();
      await completed;
      expect(await within(closed, 500)).to.not.equal('deadline');
      expect(chunks).to.deep.equal([{ type: 'text', text: 'partial' }]);
    });

    it('no abort listener outlives the stream', async () => {
      const server = await serve((_req, res) => res.end('ok'));
      const controller = new AbortController();
      const reply$ = providerFor(server).create({ messages: hello, signal: controller.signal });
      await lastValueFrom(reply$);
      expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
      await collect(
        providerFor(server, { maxResponseBytes: 1 }).create({ messages: hello, signal: controller.signal }),
      );
      expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
    });

    it('an already aborted `signal` sends nothing', async () => {
      const server = await serve((_req, res) => res.end('ok'));
      const { values, completed } = await collect(
        providerFor(server).create({ messages: hello, signal: AbortSignal.abort() }),
      );
      expect(values).to.deep.equal([]);
      expect({ completed }).to.deep.equal({ completed: true });
      expect(server.requests).to.have.length(0);
    });

    it('createAsyncGenerator yields the same chunks as create', async () => {
      const server = await serve((_req, res) => {
        writeTogether(res, ['a', 'b', 'c']);
        res.end();
      });
      const provider = providerFor(server);
      const fromGenerator: Array<Chunk> = [];
      for await (const chunk of provider.createAsyncGenerator({ messages: hello, returnConversation: true }))
        fromGenerator.push(chunk);
      const fromObservable = await lastValueFrom(
        provider.create({ messages: hello, returnConversation: true }).pipe(toArray()),
      );
      expect(fromGenerator).to.deep.equal(fromObservable);
      // The three pieces arrive together: one text chunk, in both.
      expect(fromGenerator.map((c) => c.type)).to.deep.equal(['text', 'conversation', 'finish']);
      expect(texts(fromGenerator)).to.deep.equal(['abc']);
    });

    it('breaking out of createAsyncGenerator aborts the request', async () => {
      const server = await hangingServer();
      const closed = server.socketClosed();
      for await (const chunk of providerFor(server).createAsyncGenerator({ messages: hello })) {
        expect(chunk).to.deep.equal({ type: 'text', text: 'partial' });
        break;
      }
      expect(await within(closed, 500)).to.not.equal('deadline');
    });

    it('take(1) keeps the first text and aborts the rest', async () => {
      const server = await hangingServer();
      const closed = server.socketClosed();
      const first = await firstValueFrom(providerFor(server).create({ messages: hello }).pipe(take(1)));
      expect(first).to.deep.equal({ type: 'text', text: 'partial' });
      expect(await within(closed, 500)).to.not.equal('deadline');
    });
  });

  describe('failures', () => {
    it('500 is an Http error with the body excerpt and no text', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('upstream exploded');
      });
      const { values, error } = await collect(providerFor(server).create({ messages: hello }));
      expect(values).to.deep.equal([]);
      expect(error).to.be.instanceOf(YqcloudError).and.have.property('kind', 'Http');
      expect(error).to.include({ status: 500, body: 'upstream exploded', partialText: '' });
      expect((error as YqcloudError).retryAfterMs).to.equal(undefined);
    });

    it('429 with Retry-After carries retryAfterMs', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(429, { 'retry-after': '7' });
        res.end('slow down');
      });
      const { error } = await collect(providerFor(server).create({ messages: hello }));
      expect(error).to.be.instanceOf(YqcloudError);
      expect(error).to.include({ kind: 'Http', status: 429, retryAfterMs: 7000 });
    });

    it('429 with an HTTP-date Retry-After measures from the provider’s clock', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(429, { 'retry-after': new Date(1700000000000 + 3000).toUTCString() });
        res.end();
      });
      const { error } = await collect(providerFor(server).create({ messages: hello }));
      expect(error).to.include({ kind: 'Http', status: 429, retryAfterMs: 3000 });
    });

    const inBand: ReadonlyArray<readonly [string, ReadonlyArray<string>, string]> = [
      ['the IP ban', [`${banPrefix}，请更换网络`], 'ip-banned'],
      ['the ban text split inside a character', [banPrefix.slice(0, 9), `${banPrefix.slice(9)}。`], 'ip-banned'],
      ['abnormal traffic', [`${abnormalTrafficPrefix}，请更换网络环境`], 'abnormal-traffic'],
      ['an HTML page', ['<!DOCTYPE html><html><body>Just a moment…</body></html>'], 'html-page'],
      [
        'an HTML page after whitespace, split, in upper case',
        ['\n  ', '<HT', 'ML><body>502</body></HTML>'],
        'html-page',
      ],
    ];
    for (const [name, pieces, reason] of inBand)
      it(`${name} is a Blocked error and none of it is emitted as text`, async () => {
        const bytes = pieces.map((p) => Buffer.from(p, 'utf8'));
        if (name.includes('inside a character')) {
          const all = Buffer.concat(bytes);
          bytes.splice(0, bytes.length, all.subarray(0, 10), all.subarray(10));
        }
        const server = await serve((_req, res) => writePieces(res, bytes));
        const { values, error } = await collect(providerFor(server).create({ messages: hello }));
        expect(values).to.deep.equal([]);
        expect(error).to.be.instanceOf(YqcloudError).and.have.property('kind', 'Blocked');
        expect(error).to.include({ reason, partialText: '' });
      });

    it('a reply that only starts like a refusal is text', async () => {
      const server = await serve((_req, res) => writePieces(res, ['sorry', ', I cannot help with that.']));
      const chunks = await lastValueFrom(providerFor(server).create({ messages: hello }).pipe(toArray()));
      expect(joined(chunks)).to.equal('sorry, I cannot help with that.');
    });

    it('a reset mid-stream is a Network error that keeps partialText', async () => {
      const server = await serve(async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        await new Promise<void>((resolve) => res.write('Hello, wo', () => resolve()));
        res.socket?.destroy();
      });
      const { values, error } = await collect(providerFor(server).create({ messages: hello }));
      expect(joined(values)).to.equal('Hello, wo');
      expect(error).to.be.instanceOf(YqcloudError).and.have.property('kind', 'Network');
      expect(error).to.include({ partialText: 'Hello, wo' });
    });

    it('an empty 200 is EmptyResponse', async () => {
      const server = await serve((_req, res) => res.end());
      const { values, error } = await collect(providerFor(server).create({ messages: hello }));
      expect(values).to.deep.equal([]);
      expect(error).to.include({ kind: 'EmptyResponse', status: 200 });
    });

    it('a refused port is a Network error', async () => {
      const server = await serve((_req, res) => res.end());
      const provider = providerFor(server);
      await server.close();
      const { error } = await collect(provider.create({ messages: hello }));
      expect(error).to.include({ kind: 'Network', code: 'ECONNREFUSED', partialText: '' });
    });

    it('a 302 is an Http error and is not followed', async () => {
      const target = await serve((_req, res) => res.end('followed!'));
      const server = await serve((_req, res) => {
        res.writeHead(302, { location: target.endpoint });
        res.end();
      });
      const { values, error } = await collect(providerFor(server).create({ messages: hello }));
      expect(values).to.deep.equal([]);
      expect(error).to.include({ kind: 'Http', status: 302 });
      expect((error as Error).message).to.include('not followed');
      expect(target.requests).to.have.length(0);
    });

    it('a body past maxResponseBytes is ResponseTooLarge, keeping what was emitted', async () => {
      const server = await serve((_req, res) => writePieces(res, ['a'.repeat(60), 'b'.repeat(60)]));
      const { values, error } = await collect(
        providerFor(server, { maxResponseBytes: 100 }).create({ messages: hello }),
      );
      expect(joined(values)).to.equal('a'.repeat(60));
      expect(error).to.include({ kind: 'ResponseTooLarge', limitBytes: 100, partialText: 'a'.repeat(60) });
    });
  });

  describe('connections', () => {
    const sequential = (provider: YqcloudProvider, n: number): Promise<ReadonlyArray<Chunk>> =>
      lastValueFrom(
        range(0, n).pipe(
          concatMap(() => provider.create({ messages: hello })),
          toArray(),
        ),
      );

    it('20 sequential requests reuse one connection', async () => {
      const server = await serve((_req, res) => writePieces(res, ['Hi', '!']));
      const chunks = await sequential(providerFor(server), 20);
      expect(chunks.filter((c) => c.type === 'finish')).to.have.length(20);
      expect(server.requests).to.have.length(20);
      expect(server.connections).to.equal(1);
    });

    it('with keepAlive: false, 20 sequential requests open 20 connections', async () => {
      const server = await serve((_req, res) => writePieces(res, ['Hi', '!']));
      await sequential(providerFor(server, { keepAlive: false }), 20);
      expect(server.connections).to.equal(20);
    });

    it('an Http error answer keeps the connection for the next request', async () => {
      let n = 0;
      const server = await serve((_req, res) => {
        n += 1;
        if (n === 1) {
          res.writeHead(503);
          res.end('busy');
        } else res.end('ok');
      });
      const provider = providerFor(server);
      await collect(provider.create({ messages: hello }));
      await lastValueFrom(provider.create({ messages: hello }));
      expect(server.connections).to.equal(1);
    });

    it('an abort after the end does not close the pooled connection', async () => {
      const server = await serve((_req, res) => res.end('ok'));
      const provider = providerFor(server);
      const controller = new AbortController();
      await lastValueFrom(provider.create({ messages: hello, signal: controller.signal }));
      controller.abort();
      await lastValueFrom(provider.create({ messages: hello }));
      expect(server.connections).to.equal(1);
      expect(server.closedConnections).to.equal(0);
    });

    it('destroy() closes idle and in-flight connections; a later request opens a new one', async () => {
      const server = await serve(async (_req, res) => {
        res.writeHead(200);
        res.write('partial');
        if (server.requests.length !== 2) res.end();
      });
      const provider = providerFor(server);
      await lastValueFrom(provider.create({ messages: hello }));
      const idleClosed = server.socketClosed();
      provider.destroy();
      expect(await within(idleClosed, 500)).to.not.equal('deadline');

      const inFlight = collect(provider.create({ messages: hello }));
      await server.requestReceived();
      const flightClosed = server.socketClosed();
      provider.destroy();
      expect(await within(flightClosed, 500)).to.not.equal('deadline');
      const { error } = await inFlight;
      expect(error).to.include({ kind: 'Network' });

      expect(joined(await lastValueFrom(provider.create({ messages: hello }).pipe(toArray())))).to.equal('partial');
      expect(server.connections).to.equal(3);
    });

    it('a cancelled reply’s connection is not reused', async () => {
      const server = await serve(async (_req, res) => {
        res.writeHead(200);
        res.write('partial');
        if (server.requests.length > 1) res.end();
      });
      const provider = providerFor(server);
      await firstValueFrom(provider.create({ messages: hello }));
      const chunks = await lastValueFrom(provider.create({ messages: hello }).pipe(toArray()));
      expect(joined(chunks)).to.equal('partial');
      expect(server.connections).to.equal(2);
    });
  });
});
