/**
 * End to end on loopback: RelayProvider → createRelayHandler (yqcloud-rx/server, node:http and
 * the Web `Response` variant) → YqcloudProvider → the emulator.
 */
import { expect } from 'chai';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { filter, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { startEmulator, type Emulator } from '../../lib/emulator/index.js';
import {
  accumulateText,
  createChatSession,
  RelayProvider,
  YqcloudError,
  YqcloudProvider,
  type ChatState,
  type Conversation,
  type Message,
} from '../../lib/index.js';
import { bearerToken, createMemoryStore, createRelayHandler, type RelayOptions } from '../../lib/server/index.js';
import { startWebServer, type WebServer } from '../support/webServer.js';
import { collectReply, textOf } from '../support/collect.js';

const token = 'e2e-relay-token';
const messages = [{ role: 'user', content: 'Hello relay' }] as const;

interface NodeRelay {
  readonly url: string;
  readonly close: () => Promise<void>;
}

const startNodeRelay = async (options: RelayOptions): Promise<NodeRelay> => {
  const server = http.createServer(createRelayHandler(options));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/chat`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** Polls (every 10 ms, at most `ms`) until the emulator holds no open connection. */
const emulatorIdle = async (emulator: Emulator, ms = 2000): Promise<number> => {
  const deadline = Date.now() + ms;
  while (emulator.openConnections() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return emulator.openConnections();
};

describe('RelayProvider → createRelayHandler → emulator (end to end, loopback)', function () {
  this.timeout(20_000);
  let emulator: Emulator;
  let upstream: YqcloudProvider;
  let relay: NodeRelay;
  let web: WebServer;
  let client: RelayProvider;
  const store = createMemoryStore();

  before(async () => {
    // keepAlive off: every upstream request has its own socket, so the emulator's open
    // connections are the replies in flight.
    emulator = await startEmulator({ pieceChars: 3, delayMs: 10 });
    upstream = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint, keepAlive: false });
    relay = await startNodeRelay({ provider: upstream, authorize: bearerToken(token), store });
    const webRelay = createRelayHandler({ provider: upstream, authorize: bearerToken(token), store });
    web = await startWebServer((request, info) => webRelay.fetch(request, info));
    client = new RelayProvider({ url: relay.url, headers: { authorization: `Bearer ${token}` } });
  });

  after(async () => {
    upstream?.destroy();
    await relay?.close();
    await web?.close();
    await emulator?.close();
  });

  it('streams the reply in several text chunks, then the conversation and finish', async () => {
    const chunks = await lastValueFrom(client.create({ messages, returnConversation: true }).pipe(toArray()));
    expect(chunks.filter((c) => c.type === 'text').length).to.be.greaterThan(2);
    expect(chunks.slice(-2).map((c) => c.type)).to.deep.equal(['conversation', 'finish']);
    expect(textOf(chunks)).to.match(/^You said: "Hello relay"\. This is turn 1 .*你好，世界 🌏\.$/);
    const conversation = (chunks.at(-2) as { conversation: Conversation }).conversation;
    expect(conversation.messageHistory).to.deep.equal([...messages, { role: 'assistant', content: textOf(chunks) }]);
  });

  it('the Web Response variant streams the same reply', async () => {
    const viaWeb = new RelayProvider({ url: `${web.origin}/api/chat`, headers: { authorization: `Bearer ${token}` } });
    const reply = await lastValueFrom(viaWeb.create({ messages }).pipe(accumulateText()));
    expect(reply).to.match(/^You said: "Hello relay"\./);
  });

  it('one conversation, its turns alternating between two relay instances sharing a store, continues', async () => {
    const second = await startNodeRelay({ provider: upstream, authorize: bearerToken(token), store });
    try {
      const clients = [client, new RelayProvider({ url: second.url, headers: { authorization: `Bearer ${token}` } })];
      let conversation: Conversation | undefined;
      const replies: Array<string> = [];
      for (const [turn, content] of ['One', 'Two', 'Three'].entries()) {
        const chunks = await lastValueFrom(
          (clients[turn % 2] as RelayProvider)
            .create({ messages: [{ role: 'user', content }], conversation, returnConversation: true })
            .pipe(toArray()),
        );
        replies.push(textOf(chunks));
        conversation = (chunks.find((c) => c.type === 'conversation') as { conversation: Conversation }).conversation;
      }
      expect(replies[2]).to.match(
        /^You said: "Three"\. This is turn 3 of our conversation\. Earlier you said: "One"\./,
      );
      expect(conversation?.messageHistory.map((m) => m.role)).to.deep.equal([
        'user',
        'assistant',
        'user',
        'assistant',
        'user',
        'assistant',
      ]);
    } finally {
      await second.close();
    }
  });

  it('unsubscribing aborts the fetch, and the emulator sees its socket close', async () => {
    const slow = await startEmulator({ pieceChars: 2, delayMs: 50 });
    const slowUpstream = new YqcloudProvider({ apiEndpoint: slow.apiEndpoint, keepAlive: false });
    const slowRelay = await startNodeRelay({ provider: slowUpstream, authorize: bearerToken(token) });
    try {
      const slowClient = new RelayProvider({ url: slowRelay.url, headers: { authorization: `Bearer ${token}` } });
      const first = await firstValueFrom(slowClient.create({ messages }).pipe(take(1)));
      expect(first.type).to.equal('text');
      expect(await emulatorIdle(slow)).to.equal(0);
      expect(slow.requests).to.have.length(1);
    } finally {
      slowUpstream.destroy();
      await slowRelay.close();
      await slow.close();
    }
  });

  it('an in-band ban behind the relay arrives as Blocked, with nothing delivered', async () => {
    emulator.injectFault({ kind: 'ban' });
    const { chunks, error } = await collectReply(client.create({ messages }));
    expect(chunks).to.deep.equal([]);
    expect(error).to.be.instanceOf(YqcloudError);
    expect(error).to.include({ kind: 'Blocked', reason: 'ip-banned', partialText: '' });
  });

  it('a reset mid-reply behind the relay is Network with the text this client received', async () => {
    emulator.injectFault({ kind: 'reset', afterChars: 30 });
    const { chunks, error } = await collectReply(client.create({ messages }));
    expect(error).to.include({ kind: 'Network' });
    expect(error?.partialText).to.equal(textOf(chunks));
  });

  it('a wrong or missing token is Http 401, and nothing reaches the emulator', async () => {
    const before = emulator.requests.length;
    for (const headers of [{ authorization: 'Bearer wrong' }, {}]) {
      const { chunks, error } = await collectReply(new RelayProvider({ url: relay.url, headers }).create({ messages }));
      expect(chunks).to.deep.equal([]);
      expect(error).to.be.instanceOf(YqcloudError);
      expect(error).to.include({ kind: 'Http', status: 401, partialText: '' });
      expect(error?.message).to.not.include('wrong');
    }
    expect(emulator.requests.length).to.equal(before);
  });

  it('too many concurrent streams for one client is Http 429 with retryAfterMs', async () => {
    const slow = await startEmulator({ pieceChars: 2, delayMs: 50 });
    const slowUpstream = new YqcloudProvider({ apiEndpoint: slow.apiEndpoint, keepAlive: false });
    const limited = await startNodeRelay({
      provider: slowUpstream,
      authorize: bearerToken(token),
      maxConcurrentStreams: 1,
    });
    try {
      const limitedClient = new RelayProvider({ url: limited.url, headers: { authorization: `Bearer ${token}` } });
      const firstReply = limitedClient.create({ messages }).subscribe();
      // The first stream holds the client's one slot once its request has reached the emulator.
      const deadline = Date.now() + 5000;
      while (slow.requests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const { error } = await collectReply(limitedClient.create({ messages }));
      firstReply.unsubscribe();
      expect(error).to.include({ kind: 'Http', status: 429 });
      expect(error?.retryAfterMs).to.be.a('number').and.greaterThan(0);
    } finally {
      slowUpstream.destroy();
      await limited.close();
      await slow.close();
    }
  });

  it('createChatSession on it: two turns, Stop keeps the partial reply', async () => {
    const chat = createChatSession(client);
    const when = (p: (s: ChatState) => boolean): Promise<ChatState> => firstValueFrom(chat.state$.pipe(filter(p)));
    chat.send('First');
    await when((s) => s.status === 'idle' && s.messages.length === 2);
    chat.send('Second');
    await when((s) => s.status === 'streaming' && s.pending.length > 10);
    chat.stop();
    const state = await when((s) => s.status === 'idle' && s.messages.length === 4);
    chat.close();
    expect(state.messages.map((m) => m.role)).to.deep.equal(['user', 'assistant', 'user', 'assistant']);
    expect(String(state.messages[3]?.content)).to.match(/^You said: "S/);
    expect(String(state.messages[3]?.content)).to.not.include('你好');
  });

  describe('historyBudget, applied by the client', () => {
    let limited: Emulator;
    let limitedUpstream: YqcloudProvider;
    let limitedRelay: NodeRelay;
    let relayed: RelayProvider;
    // A long conversation: five earlier turns, with a system message first.
    const history: ReadonlyArray<Message> = [
      { role: 'system', content: 'Be brief.' },
      ...['one', 'two', 'three', 'four', 'five'].flatMap(
        (n): ReadonlyArray<Message> => [
          { role: 'user', content: `Question ${n}` },
          { role: 'assistant', content: `Answer ${n} `.repeat(8) },
        ],
      ),
    ];
    const start: Conversation = { model: 'gpt-4', userId: '#/chat/1764614400000', messageHistory: history };

    before(async () => {
      limited = await startEmulator({ delayMs: 0, promptLimit: { maxChars: 300 } });
      limitedUpstream = new YqcloudProvider({ apiEndpoint: limited.apiEndpoint, keepAlive: false });
      limitedRelay = await startNodeRelay({ provider: limitedUpstream, authorize: bearerToken(token) });
      relayed = new RelayProvider({ url: limitedRelay.url, headers: { authorization: `Bearer ${token}` } });
    });
    after(async () => {
      limitedUpstream?.destroy();
      await limitedRelay?.close();
      await limited?.close();
    });

    it('without a budget the long conversation is over the service’s prompt limit', async () => {
      const { error } = await collectReply(
        relayed.create({ messages: [{ role: 'user', content: 'And six?' }], conversation: start }),
      );
      expect(error).to.include({ kind: 'Http', status: 413 });
    });

    for (const budget of [{ maxChars: 300 }, { maxMessages: 3 }] as const)
      it(`with ${JSON.stringify(budget)}: the prompt the provider itself would send, and the whole conversation back`, async () => {
        const request = {
          messages: [{ role: 'user', content: 'And six?' }],
          conversation: start,
          historyBudget: budget,
          returnConversation: true,
        } as const;
        const viaRelay = await lastValueFrom(relayed.create(request).pipe(toArray()));
        const relayedPrompt = limited.requests.at(-1)?.payload;
        const direct = await lastValueFrom(limitedUpstream.create(request).pipe(toArray()));
        const directPrompt = limited.requests.at(-1)?.payload;
        expect(relayedPrompt?.prompt).to.equal(directPrompt?.prompt);
        expect(relayedPrompt?.system).to.equal('Be brief.');
        expect(relayedPrompt?.prompt).to.not.include('Question one');
        expect(relayedPrompt?.prompt).to.match(/User: And six\?\nAssistant:$/);
        const returned = (viaRelay.find((c) => c.type === 'conversation') as { conversation: Conversation })
          .conversation;
        const expected = (direct.find((c) => c.type === 'conversation') as { conversation: Conversation }).conversation;
        expect(returned.messageHistory).to.have.length(history.length + 2);
        expect(returned.messageHistory.slice(0, history.length)).to.deep.equal(history);
        expect(returned.messageHistory.map((m) => m.role)).to.deep.equal(expected.messageHistory.map((m) => m.role));
        expect(returned.messageHistory.at(-2)).to.deep.equal({ role: 'user', content: 'And six?' });
        // A conversation the relay did not give this client goes on under an id the relay minted.
        expect(returned.userId)
          .to.match(/^#\/chat\/\d{20}$/)
          .and.not.equal(start.userId);
      });

    it('without a conversation, the messages themselves are trimmed, and all of them come back', async () => {
      const thread = [...history.slice(1), { role: 'user', content: 'And six?' }] as ReadonlyArray<Message>;
      const request = { messages: thread, historyBudget: { maxMessages: 3 }, returnConversation: true } as const;
      const chunks = await lastValueFrom(relayed.create(request).pipe(toArray()));
      const relayedPrompt = limited.requests.at(-1)?.payload?.prompt;
      await lastValueFrom(limitedUpstream.create(request).pipe(toArray()));
      expect(relayedPrompt).to.equal(limited.requests.at(-1)?.payload?.prompt);
      expect(relayedPrompt).to.match(/^User: Question five\nAssistant: Answer five .*\nUser: And six\?\nAssistant:$/);
      const returned = (chunks.find((c) => c.type === 'conversation') as { conversation: Conversation }).conversation;
      expect(returned.messageHistory.slice(0, thread.length)).to.deep.equal(thread);
      expect(returned.messageHistory).to.have.length(thread.length + 1);
    });
  });
});
