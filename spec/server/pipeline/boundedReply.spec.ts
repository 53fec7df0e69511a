import { expect } from 'chai';
import { Observable } from 'rxjs';
import { finish, text, type Chunk } from '../../../lib/core/chunk.js';
import { invalidRequest } from '../../../lib/core/error.js';
import type { ChatProvider } from '../../../lib/session/chatSession.js';
import { produceReply } from '../../../lib/server/pipeline/produceReply.js';
import { createMemoryReplyLog } from '../../../lib/server/store/memoryReplyLog.js';
import { bearerToken, createMemoryReplyStore, createRelayHandler } from '../../../lib/server/index.js';
import {
  createUIMessageStreamHandler,
  type UIMessageStreamHandlerOptions,
} from '../../../lib/server/routes/uiMessageStream/uiMessageStreamHandler.js';
import { listen, listenWeb, post, readEvents, stopAll, token } from '../relay.support.js';
import { lastValueFrom, toArray } from 'rxjs';

/** A provider whose replies are `n` text chunks, all emitted synchronously; counts the chunks pulled. */
const synchronousProvider = (n: number, piece = 'abcdefghij'): ChatProvider & { readonly pulled: () => number } => {
  let pulled = 0;
  return {
    pulled: () => pulled,
    create: () =>
      new Observable<Chunk>((subscriber) => {
        for (let i = 0; i < n && !subscriber.closed; i++) {
          pulled++;
          subscriber.next(text(piece));
        }
        subscriber.next(finish);
        subscriber.complete();
      }),
  };
};

/** A memory reply store whose log takes 150 ms to open a reply; counts the replies asked to open. */
const slowToOpen = () => {
  const store = createMemoryReplyStore();
  let opening = 0;
  const slowOpen: typeof store = {
    ...store,
    replies: {
      ...store.replies,
      open: async (owner, options) => {
        opening++;
        await new Promise((resolve) => setTimeout(resolve, 150));
        return store.replies.open(owner, options);
      },
    },
  };
  return { store, slowOpen, opening: () => opening };
};

const ask = { messages: [{ role: 'user', content: 'Hi' }] };

describe('server/relay: a fast provider is never held without a bound', () => {
  afterEach(stopAll);

  for (const web of [false, true]) {
    it(`${web ? 'Web' : 'node:http'}: a synchronous provider of 200,000 chunks stops once the client's budget is spent`, async () => {
      const provider = synchronousProvider(200_000);
      const relay = createRelayHandler({ provider, authorize: bearerToken(token), maxBufferedBytes: 64 * 1024 });
      const url = web ? await listenWeb(relay.fetch) : await listen(relay);
      const response = await post(url, ask);
      const { events, cut } = await readEvents(response);
      expect(cut).to.equal(true);
      expect(events.length).to.be.lessThan(200_000);
      // Before: 200,000 (held in full by startReply, then drained by the writer after its cut).
      expect(provider.pulled()).to.be.below(10_000);
    });
  }

  it('a refused request is still a 400, with nothing produced (memory reply log)', async () => {
    const provider: ChatProvider = {
      create: () => new Observable<Chunk>((subscriber) => subscriber.error(invalidRequest('messages', 'too long'))),
    };
    const relay = createRelayHandler({ provider, authorize: bearerToken(token), store: createMemoryReplyStore() });
    const response = await post(await listen(relay), ask);
    expect(response.status).to.equal(400);
    const body = (await response.json()) as { error: { kind: string } };
    expect(body.error.kind).to.equal('InvalidRequest');
  });

  it('durable replies: a source faster than the log ends ResponseTooLarge past its bound, and is let go', async () => {
    const log = createMemoryReplyLog();
    const provider = synchronousProvider(200_000);
    // 10 characters a chunk, at most 1,000 waiting: the 101st chunk during the first write is one too many.
    const production = await produceReply(log, 'alice', provider.create({ messages: [] }), {
      maxPendingChars: 1_000,
    });
    const events = await lastValueFrom(production.events.pipe(toArray()));
    await production.done;
    const last = events.at(-1)?.entry;
    expect(last?.type === 'error' && last.error.kind).to.equal('ResponseTooLarge');
    // Before (concatMap): all 200,000 chunks waited for the log.
    expect(provider.pulled()).to.be.at.most(102);
    await log.close();
  });

  it('durable replies: chunks that come during a write are joined, nothing lost', async () => {
    const log = createMemoryReplyLog();
    const provider = synchronousProvider(5_000, 'ab');
    const production = await produceReply(log, 'alice', provider.create({ messages: [] }));
    const events = await lastValueFrom(production.events.pipe(toArray()));
    await production.done;
    const written = events.map(({ entry }) => (entry.type === 'text' ? entry.text : `<${entry.type}>`)).join('');
    expect(written).to.equal(`${'ab'.repeat(5_000)}<finish>`);
    expect(events.length).to.be.below(10);
    await log.close();
  });

  it('a client that leaves while its reply is being opened starts no service request and holds no slot', async () => {
    const { store, slowOpen, opening } = slowToOpen();
    let asked = 0;
    const provider: ChatProvider = {
      create: () =>
        new Observable<Chunk>((subscriber) => {
          asked++;
          subscriber.next(text('Hi'));
          subscriber.next(finish);
          subscriber.complete();
        }),
    };
    const relay = createRelayHandler({
      provider,
      authorize: bearerToken(token),
      store: slowOpen,
      maxConcurrentStreams: 1,
    });
    const url = await listen(relay);
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      const leaving = post(url, ask, undefined, { signal: controller.signal }).catch(() => undefined);
      while (opening() <= i) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      await leaving;
      // The server sees the connection close a moment later, and lets go of the slot.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Before: each left a production running (the provider asked 3 times), its slot released at once.
    expect(asked).to.equal(0);
    const served = await post(url, ask);
    expect(served.status).to.equal(200);
    const { events } = await readEvents(served);
    expect(events.map((e) => e.event)).to.include('finish');
    expect(asked).to.equal(1);
    await store.close();
  });

  it('an unknown key as long as the body is named back in at most 200 characters', async () => {
    const relay = createRelayHandler({ provider: synchronousProvider(1), authorize: bearerToken(token) });
    const key = `k${'\u001b'.repeat(10)}${'x'.repeat(100_000)}`;
    const response = await post(await listen(relay), { ...ask, [key]: 1 });
    expect(response.status).to.equal(400);
    const text = await response.text();
    const body = JSON.parse(text) as { error: { kind: string; path: string; message: string } };
    expect(body.error.kind).to.equal('InvalidRequest');
    // Before: the whole 100,011-character key, twice (path and message) less the message's cut.
    expect(body.error.path.length).to.be.at.most(200);
    expect(text.length).to.be.below(2_000);
    expect(text).to.not.include('\\u001b');
  });

  it('a durable reply whose service stalls ends Timeout after upstreamTimeoutMs, and gives its slot back', async () => {
    const store = createMemoryReplyStore();
    let aborted = 0;
    const stalling: ChatProvider = {
      create: () =>
        new Observable<Chunk>((subscriber) => {
          subscriber.next(text('Hel'));
          return () => {
            aborted++;
          };
        }),
    };
    const relay = createRelayHandler({
      provider: stalling,
      authorize: bearerToken(token),
      store,
      maxConcurrentStreams: 1,
      upstreamTimeoutMs: 200,
    });
    const url = await listen(relay);
    const controller = new AbortController();
    const first = await post(url, ask, undefined, { signal: controller.signal });
    const replyId = first.headers.get('x-reply-id') ?? '';
    await first.body?.getReader().read();
    controller.abort(); // the reply goes on without its client, holding the slot
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Before: 429 for ever (the stalled production kept the slot, renewed).
    const second = await post(url, ask);
    expect(second.status).to.equal(200);
    await second.body?.cancel();
    expect(aborted).to.be.at.least(1);
    const resumed = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, 'last-event-id': `${replyId}.0-0` },
    });
    const { events } = await readEvents(resumed);
    const last = events.at(-1);
    expect(last?.event).to.equal('error');
    expect((last?.data as { kind?: string } | undefined)?.kind).to.equal('Timeout');
    await store.close();
  });

  it('an authorize hook that never answers is a 503 after authorizeTimeoutMs, for a request with or without a body', async () => {
    const relay = createRelayHandler({
      provider: synchronousProvider(1),
      authorize: () => new Promise<string>(() => undefined),
      authorizeTimeoutMs: 200,
    });
    const url = await listen(relay);
    // Before: no answer at all (each request waited for ever; cut here by the client after 3 s).
    const posted = await post(url, ask, undefined, { signal: AbortSignal.timeout(3_000) });
    expect(posted.status).to.equal(503);
    expect(posted.headers.get('retry-after')).to.equal('2');
    const resumed = await fetch(url, { headers: { 'last-event-id': 'x' }, signal: AbortSignal.timeout(3_000) });
    expect(resumed.status).to.equal(503);
  });
});

describe('server/UI message stream route: the relay’s bounds', () => {
  afterEach(stopAll);

  const chatBody = (chatId: string) => ({
    id: chatId,
    trigger: 'submit-message',
    messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hi' }] }],
  });
  const listenChat = async (options: Omit<UIMessageStreamHandlerOptions, 'authorize'>): Promise<string> =>
    (await listen(createUIMessageStreamHandler({ authorize: bearerToken(token), ...options }))).replace(
      /\/relay$/,
      '/api/chat',
    );
  const refusing = (): ChatProvider & { readonly asked: () => number } => {
    let asked = 0;
    return {
      asked: () => asked,
      create: () =>
        new Observable<Chunk>((subscriber) => {
          asked++;
          subscriber.error(invalidRequest('messages', 'too long for the service'));
        }),
    };
  };

  for (const durable of [false, true]) {
    it(`an outright InvalidRequest is a 400 in plain text, not a stream (${durable ? 'reply log' : 'no store'})`, async () => {
      const provider = refusing();
      const store = createMemoryReplyStore();
      const url = await listenChat({ provider, ...(durable ? { store } : {}) });
      const response = await post(url, chatBody('chat-refused'));
      // Before: 200, `start` then an `error` chunk.
      expect(response.status).to.equal(400);
      expect(response.headers.get('content-type')).to.match(/^text\/plain/);
      expect(await response.text()).to.include('too long for the service');
      expect(provider.asked()).to.equal(1);
      await store.close();
    });
  }

  it('a durable reply from a source faster than the log ends ResponseTooLarge, and the source is let go', async () => {
    const provider = synchronousProvider(200_000);
    const store = createMemoryReplyStore();
    const url = await listenChat({ provider, store, maxBufferedBytes: 64 * 1024 * 1024 });
    const response = await post(url, chatBody('chat-fast'));
    expect(response.status).to.equal(200);
    const body = await response.text();
    expect(body).to.include('"type":"error"');
    expect(body).to.include('ResponseTooLarge');
    // Before (concatMap): all 200,000 chunks waited for the log, and the reply finished whole.
    expect(provider.pulled()).to.be.below(200_000);
    await store.close();
  });

  it('a client that leaves while its reply is being opened starts no service request, and the chat has none in flight', async () => {
    const { store, slowOpen, opening } = slowToOpen();
    const provider = synchronousProvider(1);
    const url = await listenChat({ provider, store: slowOpen, maxConcurrentStreams: 1 });
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      const leaving = post(url, chatBody(`chat-left-${i}`), undefined, { signal: controller.signal }).catch(
        () => undefined,
      );
      while (opening() <= i) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      await leaving;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Before: each left a production running (the provider asked 3 times).
    expect(provider.pulled()).to.equal(0);
    const resumed = await fetch(`${url}/chat-left-2/stream`, { headers: { authorization: `Bearer ${token}` } });
    expect(resumed.status).to.equal(204);
    const served = await post(url, chatBody('chat-served'));
    expect(served.status).to.equal(200);
    expect(await served.text()).to.include('"type":"finish"');
    expect(provider.pulled()).to.equal(1);
    await store.close();
  });
});
