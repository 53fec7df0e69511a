import { expect } from 'chai';
import { RelayProvider } from '../../lib/provider/relayProvider.js';
import { pacedProvider, pacedText } from '../support/pacedProvider.js';
import { createMemoryReplyStore, createRelayHandler } from '../../lib/server/index.js';
import { exchange } from '../support/sseExchange.js';
import { listen, listenWeb, stopAll, token } from './relay.support.js';

// The relay's durable replies in one process (the memory reply store), through node:http and
// through the Web handler: ids, resume after a drop, stop, and who may do either.
const words = 12;
const whole = pacedText(words);

const auth = (value = token): Record<string, string> => ({ authorization: `Bearer ${value}` });
const body = JSON.stringify({ messages: [{ role: 'user', content: 'words' }] });
const textOf = (events: ReadonlyArray<{ readonly event?: string | undefined; readonly data: string }>): string =>
  events
    .filter((e) => e.event === 'text')
    .map((e) => (JSON.parse(e.data) as { text: string }).text)
    .join('');

for (const web of [false, true])
  describe(`server/relay: durable replies (${web ? 'Web Request → Response' : 'node:http'})`, function () {
    this.timeout(20_000);
    let url = '';
    let provider: ReturnType<typeof pacedProvider>;
    beforeEach(async () => {
      provider = pacedProvider(words);
      const relay = createRelayHandler({
        provider,
        // Two clients: the spec's token, and bob's.
        authorize: (request) => {
          const header = request.headers.get('authorization');
          return header === `Bearer ${token}` ? 'alice' : header === 'Bearer bob-token' ? 'bob' : false;
        },
        store: createMemoryReplyStore(),
        cors: { origins: ['http://app.test'] },
      });
      url = web ? await listenWeb(relay.fetch) : await listen(relay);
    });
    afterEach(() => stopAll());

    const start = () =>
      exchange(url, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json', accept: 'text/event-stream' },
        body,
      });
    const resume = (lastEventId: string, who = token) =>
      exchange(url, { headers: { ...auth(who), accept: 'text/event-stream', 'last-event-id': lastEventId } });

    it('names the reply and gives every event an id; after a drop, a resume gives exactly the rest', async () => {
      const first = await start();
      const replyId = first.headers.get('x-reply-id') ?? '';
      await first.count(3);
      first.abort();
      const seen = first.events.slice(0, 3);
      expect(seen.every((e) => e.id?.startsWith(`${replyId}.`))).to.equal(true);
      const rest = await resume(seen.at(-1)?.id ?? '');
      expect(rest.status).to.equal(200);
      expect(rest.headers.get('x-reply-id')).to.equal(replyId);
      await rest.ended;
      expect(textOf([...seen, ...rest.events])).to.equal(whole);
      expect(rest.events.at(-1)?.event).to.equal('finish');
      expect(provider.abandoned(), 'the drop did not stop the reply').to.equal(0);
    });

    it('refuses another client’s reply (403), answers 204 for an unknown one, 400 for no or a bad id', async () => {
      const first = await start();
      await first.count(1);
      const id = first.events[0]?.id ?? '';
      expect((await fetch(url, { headers: { ...auth('bob-token'), 'last-event-id': id } })).status).to.equal(403);
      expect((await fetch(url, { headers: { ...auth('nobody'), 'last-event-id': id } })).status).to.equal(401);
      const replyId = first.headers.get('x-reply-id') ?? '';
      expect(
        (await fetch(`${url}?reply=${replyId}`, { method: 'DELETE', headers: auth('bob-token') })).status,
      ).to.equal(403);
      expect((await fetch(url, { headers: { ...auth(), 'last-event-id': `${'A'.repeat(24)}.0-0` } })).status).to.equal(
        204,
      );
      expect((await fetch(url, { headers: { ...auth(), 'last-event-id': 'nonsense' } })).status).to.equal(400);
      expect((await fetch(url, { headers: auth() })).status).to.equal(400);
      await first.ended;
    });

    it('DELETE ?reply= stops the reply: the provider is let go, every reader ends with ESTOPPED', async () => {
      const first = await start();
      const replyId = first.headers.get('x-reply-id') ?? '';
      await first.count(2);
      const reader = await resume(`${replyId}.0-0`);
      await reader.count(2);
      const stop = await fetch(`${url}?reply=${replyId}`, { method: 'DELETE', headers: auth() });
      expect(stop.status).to.equal(202);
      await Promise.all([first.ended, reader.ended]);
      for (const events of [first.events, reader.events])
        expect(JSON.parse(events.at(-1)?.data ?? '{}')).to.include({ kind: 'Network', code: 'ESTOPPED' });
      expect(provider.abandoned()).to.equal(1);
      expect((await fetch(`${url}?reply=${replyId}`, { method: 'DELETE', headers: auth() })).status).to.equal(204);
      expect((await fetch(`${url}?reply=../x`, { method: 'DELETE', headers: auth() })).status).to.equal(400);
    });

    it('lets a page resume and stop: the preflight allows GET, DELETE and Last-Event-ID, x-reply-id is exposed', async () => {
      const preflight = await fetch(url, {
        method: 'OPTIONS',
        headers: { origin: 'http://app.test', 'access-control-request-method': 'GET' },
      });
      expect(preflight.headers.get('access-control-allow-methods')).to.equal('POST, GET, DELETE');
      expect(preflight.headers.get('access-control-allow-headers')).to.include('last-event-id');
      const first = await exchange(url, {
        method: 'POST',
        headers: { ...auth(), origin: 'http://app.test', 'content-type': 'application/json' },
        body,
      });
      expect(first.headers.get('access-control-expose-headers')).to.include('x-reply-id');
      await first.ended;
    });

    it('RelayProvider: unsubscribing before the end stops the reply on the relay', async () => {
      const relay = new RelayProvider({ url, headers: auth() });
      const subscription = relay.create({ messages: [{ role: 'user', content: 'words' }] }).subscribe();
      await new Promise((resolve) => setTimeout(resolve, 120));
      subscription.unsubscribe();
      const deadline = Date.now() + 2000;
      while (provider.abandoned() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(provider.abandoned()).to.equal(1);
    });
  });
