import { expect } from 'chai';
import type { EventSourceMessage } from 'eventsource-parser';
import { lastValueFrom, toArray } from 'rxjs';
import { RelayProvider } from '../../lib/provider/relayProvider.js';
import { eventually } from '../support/eventually.js';
import { startRedisServer, type RedisServer } from '../support/redisServer.js';
import {
  startBalancer,
  startPacedService,
  startServe,
  type ServeInstance,
  type TestBalancer,
} from '../support/serveCluster.js';
import { type Events, exchange } from '../support/sseExchange.js';
import { teardown } from '../support/teardown.js';

// The cluster as users run it: 2–3 `yqcloud-rx serve --redis` processes (the built command
// line), one real redis-server, one stand-in for the service that paces its reply, and the test
// as the load balancer.
const token = 'sk-cluster-spec';
const password = 'R3disPassw0rd';
const auth = { authorization: `Bearer ${token}` };

const post = (base: string): Promise<Events> =>
  exchange(`${base}/relay`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Tell me the words' }] }),
  });

const resume = (base: string, lastEventId: string, headers: Record<string, string> = auth): Promise<Events> =>
  exchange(`${base}/relay`, {
    method: 'GET',
    headers: { ...headers, accept: 'text/event-stream', 'last-event-id': lastEventId },
  });

const textOf = (events: ReadonlyArray<EventSourceMessage>): string =>
  events
    .filter((e) => e.event === 'text')
    .map((e) => (JSON.parse(e.data) as { text: string }).text)
    .join('');

describe('cluster: serve processes sharing one Redis', function () {
  this.timeout(90_000);
  const started = teardown();
  let redis: RedisServer;
  let service: Awaited<ReturnType<typeof startPacedService>>;
  let a: ServeInstance;
  let b: ServeInstance;
  let c: ServeInstance;

  const instance = (extra: ReadonlyArray<string> = []): Promise<ServeInstance> =>
    started.track(
      startServe(['--endpoint', service.endpoint, '--redis', redis.url, '--max-streams', '2', ...extra], {
        YQCLOUD_RX_TOKEN: token,
      }),
      (s) => s.kill(),
    );

  before(async () => {
    redis = await started.track(startRedisServer({ password }), (r) => r.stop());
    service = await started.track(startPacedService(30, 60), (s) => s.close());
    [a, b, c] = await Promise.all([instance(), instance(), instance()]);
  });
  after(() => started.stopAll());

  it('holds a client’s stream limit across instances (429 with retry-after on the third instance)', async () => {
    const open = [await post(a.url), await post(b.url)];
    for (const o of open) expect(o.status).to.equal(200);
    await Promise.all(open.map((o) => o.count(1)));
    const third = await post(c.url);
    expect(third.status).to.equal(429);
    expect(Number(third.headers.get('retry-after'))).to.be.above(0);
    for (const o of open) o.abort();
    // Closing the connection is not a stop: the replies go on and hold their slots until they end.
    expect((await post(c.url)).status, 'still two replies in flight').to.equal(429);
    const rest = await Promise.all(open.map((o) => resume(c.url, `${o.headers.get('x-reply-id')}.0-0`)));
    await Promise.all(rest.map((r) => r.ended));
    for (const r of rest) expect(textOf(r.events)).to.equal(service.text);
  });

  it('a reply produced on A and resumed on B after a drop has exactly the text of an unbroken reply', async () => {
    const first = await post(a.url);
    expect(first.status).to.equal(200);
    const replyId = first.headers.get('x-reply-id') ?? '';
    expect(replyId).to.match(/^[A-Za-z0-9_-]{16,}$/);
    await first.count(4);
    first.abort(); // the connection drops
    const seen = first.events.slice(0, 4);
    expect(seen.every((e) => e.id?.startsWith(`${replyId}.`))).to.equal(true);
    const rest = await resume(b.url, seen.at(-1)?.id ?? '');
    expect(rest.status).to.equal(200);
    await rest.ended;
    expect(rest.events.at(-1)?.event).to.equal('finish');
    expect(textOf([...seen, ...rest.events])).to.equal(service.text);
    const ids = [...seen, ...rest.events].map((e) => e.id);
    expect(new Set(ids).size, 'every event once').to.equal(ids.length);
  });

  it('RelayProvider behind a balancer resumes by itself: the subscriber sees one unbroken reply', async () => {
    const balancer: TestBalancer = await started.track(
      startBalancer(() => [a.url, b.url]),
      (x) => x.close(),
    );
    const provider = new RelayProvider({ url: `${balancer.url}/relay`, headers: auth });
    const chunks = lastValueFrom(
      provider.create({ messages: [{ role: 'user', content: 'Tell me the words' }] }).pipe(toArray()),
    );
    await eventually(() => balancer.routed.length >= 1, 5000, 'the first request');
    // Let a few words through, then cut every connection the balancer holds.
    await new Promise((resolve) => setTimeout(resolve, 400));
    balancer.dropAll();
    const got = await chunks;
    expect(got.filter((ch) => ch.type === 'text').length).to.be.above(1);
    expect(got.map((ch) => (ch.type === 'text' ? ch.text : '')).join('')).to.equal(service.text);
    expect(got.at(-1)).to.deep.equal({ type: 'finish', reason: 'stop' });
    expect(balancer.routed.slice(0, 2)).to.deep.equal([a.url, b.url]);
  });

  it('DELETE ?reply= on B closes A’s socket to the service; every reader gets the stopped ending', async () => {
    const produced = await post(a.url);
    const replyId = produced.headers.get('x-reply-id') ?? '';
    await produced.count(3);
    const reader = await resume(b.url, produced.events[0]?.id ?? '');
    await reader.count(2);
    const closed = service.socketClosed();
    const stop = await fetch(`${b.url}/relay?reply=${encodeURIComponent(replyId)}`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(stop.status).to.equal(202);
    const outcome = await Promise.race([
      closed.then(() => 'closed'),
      new Promise((r) => setTimeout(r, 3000, 'deadline')),
    ]);
    expect(outcome, 'A closed its request to the service').to.equal('closed');
    await Promise.all([produced.ended, reader.ended]);
    for (const events of [produced.events, reader.events]) {
      const last = events.at(-1);
      expect(last?.event).to.equal('error');
      expect(JSON.parse(last?.data ?? '{}')).to.include({ kind: 'Network', code: 'ESTOPPED' });
    }
    const other = await fetch(`${b.url}/relay?reply=${encodeURIComponent(replyId)}`, {
      method: 'DELETE',
      headers: { authorization: 'Bearer someone-else' },
    });
    expect(other.status, 'another token is refused').to.equal(401);
  });

  it('A killed mid-reply: B’s readers get the documented error, with the text so far, within the TTL', async () => {
    const victim = await instance(['--reply-producer-ttl', '3000']);
    const produced = await post(victim.url);
    await produced.count(3);
    const reader = await resume(b.url, produced.events[0]?.id ?? '');
    await reader.count(3);
    const killed = Date.now();
    await victim.kill();
    await reader.ended;
    expect(Date.now() - killed, 'within the producer TTL (3 s) and a read').to.be.below(3000 + 2500);
    const last = reader.events.at(-1);
    expect(last?.event).to.equal('error');
    const error = JSON.parse(last?.data ?? '{}') as { kind: string; code: string; partialText: string };
    expect(error).to.include({ kind: 'Network', code: 'EPRODUCERLOST' });
    expect(error.partialText.length).to.be.above(0);
    expect(service.text.startsWith(error.partialText)).to.equal(true);
    expect(textOf(reader.events)).to.equal(error.partialText.slice(textOf(produced.events.slice(0, 1)).length));
  });

  it('Redis killed and restarted mid-run: served per instance meanwhile (logged once, no password), shared again after', async () => {
    await redis.kill();
    const during = await post(a.url);
    expect(during.status).to.equal(200);
    await during.ended;
    expect(textOf(during.events)).to.equal(service.text);
    expect(
      during.events.some((e) => e.id !== undefined && e.id !== ''),
      'not resumable meanwhile',
    ).to.equal(false);
    const refused = await resume(b.url, `${'A'.repeat(24)}.0-0`);
    expect(refused.status).to.equal(503);
    await redis.restart();
    await eventually(() => /available again/.test(a.output()), 15_000, 'A to say Redis is back');
    const after = await post(a.url);
    expect(after.status).to.equal(200);
    await after.count(2);
    const resumed = await resume(b.url, after.events[0]?.id ?? '');
    expect(resumed.status).to.equal(200);
    await Promise.all([after.ended, resumed.ended]);
    expect(textOf(after.events)).to.equal(service.text);
    for (const s of [a, b]) {
      expect(s.output().match(/redis: unavailable/g) ?? [], 'logged once').to.have.length(1);
      expect(s.output()).to.not.include(password);
    }
  });
});
