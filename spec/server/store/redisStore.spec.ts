import { expect } from 'chai';
import { Redis } from 'ioredis';
import {
  createRedisStore,
  type RedisStore,
  type RedisStoreOptions,
  StoreUnavailable,
} from '../../../lib/server/store/redisStore.js';
import { createMemoryReplyStore } from '../../../lib/server/store/replyStore.js';
import { closedPort } from '../../support/closedPort.js';
import { useRedisServer } from '../../support/redisServer.js';
import { describeStoreContract } from './storeContract.js';

const password = 'Zq7S3cr3tPw';

describe('server/store: the Redis store (a real redis-server)', function () {
  this.timeout(30_000);
  const redisServer = useRedisServer({ password });
  const stores: RedisStore[] = [];
  const lines: string[] = [];
  const store = async (options: Partial<RedisStoreOptions> = {}): Promise<RedisStore> => {
    const made = await createRedisStore({ url: redisServer().url, log: (line) => lines.push(line), ...options });
    stores.push(made);
    return made;
  };
  const untilReady = async (made: RedisStore): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!made.available() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  };

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    lines.length = 0;
  });

  describeStoreContract('redis', () => store());
  describeStoreContract('memory reply store', async () => createMemoryReplyStore());

  it('holds a stream limit across instances, and gives a slot back on release', async () => {
    const [a, b] = [await store(), await store()];
    const first = await a.acquire('client:alice', 2, 10_000);
    const second = await b.acquire('client:alice', 2, 10_000);
    expect(first).to.not.equal(undefined);
    expect(second).to.not.equal(undefined);
    expect(await a.acquire('client:alice', 2, 10_000), 'a third stream on any instance').to.equal(undefined);
    expect(await b.acquire('client:bob', 2, 10_000), 'another client').to.not.equal(undefined);
    if (second !== undefined) await b.release(second);
    expect(await a.acquire('client:alice', 2, 10_000)).to.not.equal(undefined);
  });

  it('frees the slots of an instance that died once their TTL passes; renew keeps a slot', async () => {
    const [a, b] = [await store(), await store()];
    const kept = await a.acquire('client:carol', 2, 1000);
    await a.acquire('client:carol', 2, 1000);
    expect(await b.acquire('client:carol', 2, 1000)).to.equal(undefined);
    await new Promise((resolve) => setTimeout(resolve, 600));
    if (kept !== undefined) expect(await a.renew(kept, 1000)).to.equal(true);
    await new Promise((resolve) => setTimeout(resolve, 600));
    // The other lease was never renewed: it has expired, the renewed one still counts.
    expect(await b.acquire('client:carol', 2, 1000)).to.not.equal(undefined);
    expect(await b.acquire('client:carol', 2, 1000)).to.equal(undefined);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    if (kept !== undefined) expect(await a.renew(kept, 1000), 'an expired lease is not renewed').to.equal(false);
  });

  it('keeps conversation owners across instances', async () => {
    const [a, b] = [await store(), await store()];
    expect(await a.claim('#/chat/1', 'alice', 10_000)).to.equal(true);
    expect(await b.ownerOf('#/chat/1')).to.equal('alice');
    expect(await b.claim('#/chat/1', 'bob', 10_000), 'not bob’s').to.equal(false);
    expect(await b.claim('#/chat/1', 'alice', 10_000)).to.equal(true);
    expect(await a.ownerOf('#/chat/unknown')).to.equal(undefined);
  });

  it('counts requests per minute across instances (rate-limiter-flexible)', async () => {
    const [a, b] = [await store(), await store()];
    const decisions = [
      await a.requestRate.consume('client:dave', 3),
      await b.requestRate.consume('client:dave', 3),
      await a.requestRate.consume('client:dave', 3),
      await b.requestRate.consume('client:dave', 3),
    ];
    expect(decisions.slice(0, 3).every((d) => d.allowed)).to.equal(true);
    const refused = decisions[3];
    expect(refused?.allowed).to.equal(false);
    if (refused !== undefined && !refused.allowed) expect(refused.retryAfterMs).to.be.within(1, 60_000);
  });

  it('Redis down at start: starts within the connect timeout, logs once without the password, counts per instance', async () => {
    const port = await closedPort();
    const started = Date.now();
    const down = await store({ url: `redis://:${password}@127.0.0.1:${port}`, connectTimeoutMs: 1000 });
    expect(Date.now() - started).to.be.below(3000);
    expect(down.available()).to.equal(false);
    const lease = await down.acquire('client:erin', 1, 10_000);
    expect(lease, 'served with a per-instance limit').to.not.equal(undefined);
    expect(await down.acquire('client:erin', 1, 10_000), 'the limit still holds here').to.equal(undefined);
    expect((await down.requestRate.consume('client:erin', 5)).allowed).to.equal(true);
    const resumed = await down.replies.follow('AAAAAAAAAAAAAAAAAAAAAAAA', '0-0').catch((e: unknown) => e);
    expect(resumed, 'resume cannot be served (503)').to.be.instanceOf(StoreUnavailable);
    const active = await down.replies.activeReply('client:erin', 'chat-1').catch((e: unknown) => e);
    expect(active, 'nor looked up by chat (503)').to.be.instanceOf(StoreUnavailable);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(
      lines.filter((l) => l.includes('unavailable')),
      lines.join('\n'),
    ).to.have.length(1);
    expect(lines.join('\n')).to.not.include(password);
    expect(lines[0]).to.include(`redis://127.0.0.1:${port}`);
  });

  it('Redis down at start with whenUnavailable: refuse: every limit check is refused', async () => {
    const down = await store({
      url: `redis://127.0.0.1:${await closedPort()}`,
      whenUnavailable: 'refuse',
      connectTimeoutMs: 500,
    });
    expect(await down.acquire('client:frank', 1, 10_000).catch((e: unknown) => e)).to.be.instanceOf(StoreUnavailable);
    expect(await down.requestRate.consume('client:frank', 1).catch((e: unknown) => e)).to.be.instanceOf(
      StoreUnavailable,
    );
    expect(await down.claim('#/chat/2', 'frank', 1000).catch((e: unknown) => e)).to.be.instanceOf(StoreUnavailable);
  });

  it('Redis that stops answering (SIGSTOP): calls end within the command timeout, per instance meanwhile', async () => {
    const a = await store({ commandTimeoutMs: 500 });
    const pid = redisServer().pid();
    if (pid === undefined) throw new Error('redis is running');
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const lease = await a.acquire('client:gina', 1, 10_000);
      expect(Date.now() - started).to.be.below(2000);
      expect(lease, 'served per instance').to.not.equal(undefined);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  it('Redis killed and restarted mid-run: per instance meanwhile, shared again after, each change logged once', async () => {
    const a = await store();
    expect(await a.acquire('client:hank', 1, 10_000)).to.not.equal(undefined);
    await redisServer().kill();
    const during = await a.acquire('client:ivy', 1, 10_000);
    expect(during?.id.startsWith('local:'), 'a per-instance lease').to.equal(true);
    if (during !== undefined) await a.release(during);
    await redisServer().restart();
    await untilReady(a);
    const after = await a.acquire('client:ivy', 1, 10_000);
    expect(after?.id.startsWith('local:')).to.equal(false);
    const direct = new Redis(redisServer().url);
    try {
      expect(await direct.zcard('yqrx:leases:client:ivy'), 'the lease is in Redis again').to.equal(1);
    } finally {
      direct.disconnect();
    }
    expect(lines.filter((l) => l.includes('unavailable'))).to.have.length(1);
    expect(lines.filter((l) => l.includes('available again'))).to.have.length(1);
    expect(lines.join('\n')).to.not.include(password);
  });
});
