import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';
import { ReplyWriteRefused } from '../../../lib/server/store/replyErrors.js';
import { type LoggedEntry, startOfReply } from '../../../lib/server/store/replyLog.js';
import { useRedisServer } from '../../support/redisServer.js';
import { redisReplyLogOn } from '../../support/redisReplyLogOn.js';
import { replyLogContract } from './replyLog.contract.js';

const instance = redisReplyLogOn;

/** How many times Redis ran `CLIENT UNBLOCK` since the last `CONFIG RESETSTAT`. */
const unblockCalls = async (client: import('ioredis').Redis): Promise<number> =>
  Number(/cmdstat_client\|unblock:calls=(\d+)/.exec(String(await client.info('commandstats')))?.[1] ?? 0);

describe('server/store: the Redis reply log (a real redis-server)', function () {
  this.timeout(30_000);
  const redisServer = useRedisServer();

  describe('the contract of every reply log', () => {
    replyLogContract(async (options) => (await instance(redisServer(), options)).log);
  });

  it('keeps a reply as one Redis Stream with an expiry, set short once it ended', async () => {
    const { log, client } = await instance(redisServer(), { endedTtlMs: 5000 });
    const producer = await log.open('alice');
    await producer.append({ type: 'text', text: 'Hi' });
    const key = `yqrx:reply:{${producer.replyId}}:log`;
    expect(await client.type(key)).to.equal('stream');
    await producer.append({ type: 'finish' });
    const ttl = await client.pttl(key);
    expect(ttl).to.be.within(1, 5000);
    expect(
      await client.exists(`yqrx:reply:{${producer.replyId}}:producer`),
      'the lease is dropped at the end',
    ).to.equal(0);
    await producer.close();
    await log.close();
  });

  it('stops from another instance: the producer hears it through the channel at once', async () => {
    const a = await instance(redisServer());
    const b = await instance(redisServer());
    const producer = await a.log.open('alice');
    const aborted = new Promise<unknown>((resolve) =>
      producer.signal.addEventListener('abort', () => resolve(producer.signal.reason)),
    );
    // The subscription is made on the first reply: give it a moment before asking.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const asked = Date.now();
    expect(await b.log.requestStop(producer.replyId)).to.equal(true);
    expect(await aborted).to.equal('stop-requested');
    expect(Date.now() - asked, 'well before the heartbeat').to.be.below(1000);
    await producer.close();
    await a.log.close();
    await b.log.close();
  });

  it('stops through the heartbeat when the published message was missed', async () => {
    const a = await instance(redisServer(), { producerTtlMs: 1500 });
    const producer = await a.log.open('alice');
    const aborted = new Promise<unknown>((resolve) =>
      producer.signal.addEventListener('abort', () => resolve(producer.signal.reason)),
    );
    // The stop recorded without the message (as if the subscriber was reconnecting).
    await a.client.hset(`yqrx:reply:{${producer.replyId}}:meta`, 'stop', '1');
    expect(await aborted).to.equal('stop-requested');
    await producer.close();
    await a.log.close();
  });

  it('an instance that dies mid-reply: readers on another get the documented error with the text so far, within the TTL', async () => {
    const a = await instance(redisServer(), { producerTtlMs: 1500 });
    const b = await instance(redisServer(), { producerTtlMs: 1500 });
    const producer = await a.log.open('alice');
    const first = await producer.append({ type: 'text', text: 'partial ' });
    await producer.append({ type: 'text', text: 'answer' });
    const followed = await b.log.follow(producer.replyId, first);
    if (followed === undefined) throw new Error('known reply');
    const entries = lastValueFrom(followed.pipe(toArray()));
    const died = Date.now();
    a.client.disconnect(); // the instance is gone: no heartbeat, no ending
    const got = await entries;
    expect(Date.now() - died, 'within the TTL and one block').to.be.below(1500 + 1000);
    expect(got.map(({ entry }) => entry.type)).to.deep.equal(['text', 'error']);
    const last = got.at(-1)?.entry;
    expect(last?.type === 'error' && last.error.code).to.equal('EPRODUCERLOST');
    expect(last?.type === 'error' && last.error.partialText).to.equal('partial answer');
    // A second reader gets the same single ending, not one of its own.
    const again = await b.log.follow(producer.replyId, startOfReply);
    const replay = await lastValueFrom((again ?? followed).pipe(toArray()));
    expect(replay.filter(({ entry }) => entry.type === 'error')).to.have.length(1);
    await producer.close();
    await a.log.close();
    await b.log.close();
  });

  it('a chat’s active reply lives while its producer renews it, and expires with a dead instance’s lease', async () => {
    const a = await instance(redisServer(), { producerTtlMs: 1000 });
    const b = await instance(redisServer(), { producerTtlMs: 1000 });
    const producer = await a.log.open('alice', { chatId: 'chat-9' });
    await new Promise((resolve) => setTimeout(resolve, 1600)); // past the TTL: the heartbeat kept it
    expect(await b.log.activeReply('alice', 'chat-9')).to.equal(producer.replyId);
    const keys = await b.client.keys('yqrx:chat:*');
    expect(keys).to.have.length(1);
    expect(keys[0], 'neither owner nor chat id in the key').to.not.match(/alice|chat-9/);
    expect(await b.client.pttl(keys[0] ?? '')).to.be.within(1, 1000);
    a.client.disconnect(); // the instance is gone: no heartbeat, no ending
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await b.log.activeReply('alice', 'chat-9')).to.equal(undefined);
    // Between an ending and the key's deletion (another command), the ended reply is not active.
    const ended = await b.log.open('alice', { chatId: 'chat-10' });
    const [key] = await b.client.keys('yqrx:chat:*');
    await ended.append({ type: 'finish' });
    await b.client.set(key ?? '', ended.replyId, 'PX', 1000);
    expect(await b.log.activeReply('alice', 'chat-10')).to.equal(undefined);
    await ended.close();
    await producer.close();
    await a.log.close();
    await b.log.close();
  });

  it('N concurrent readers share one blocking connection, and each still gets every entry once, in order', async () => {
    const a = await instance(redisServer());
    const b = await instance(redisServer(), { blockMs: 200 });
    const connections = async (): Promise<number> =>
      String(await a.client.client('LIST'))
        .split('\n')
        .filter((line) => line.trim() !== '').length;
    const producers = await Promise.all([1, 2, 3, 4].map(() => a.log.open('alice')));
    const before = await connections();
    const readers: Array<
      Promise<{ readonly reply: number; readonly after: string; readonly got: ReadonlyArray<LoggedEntry> }>
    > = [];
    const written: Array<Array<LoggedEntry>> = producers.map(() => []);
    let most = 0;
    for (let round = 0; round < 30; round++) {
      for (const [reply, producer] of producers.entries()) {
        if (round % 3 === reply % 3) {
          const after = written[reply]?.at(-1)?.id ?? startOfReply;
          const followed = await b.log.follow(producer.replyId, after);
          if (followed === undefined) throw new Error('known reply');
          readers.push(lastValueFrom(followed.pipe(toArray())).then((got) => ({ reply, after, got })));
        }
        const entry = { type: 'text', text: `${reply}:${round},` } as const;
        written[reply]?.push({ id: await producer.append(entry), entry });
      }
      most = Math.max(most, await connections());
    }
    for (const [reply, producer] of producers.entries()) {
      const ending = { type: 'finish' } as const;
      written[reply]?.push({ id: await producer.append(ending), entry: ending });
      await producer.close();
    }
    const results = await Promise.all(readers);
    expect(results).to.have.length(40);
    for (const { reply, after, got } of results) {
      const all = written[reply] ?? [];
      const from = after === startOfReply ? 0 : all.findIndex(({ id }) => id === after) + 1;
      expect(got).to.deep.equal(all.slice(from));
    }
    expect(most - before, '40 readers, one connection').to.equal(1);
    let after = await connections();
    for (let i = 0; i < 100 && after !== before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await connections();
    }
    expect(after, 'closed with the last reader').to.equal(before);
    await a.log.close();
    await b.log.close();
  });

  it('300 readers attaching while the shared connection blocks are read from at once: one wake per round, not one per reader', async () => {
    const a = await instance(redisServer());
    const b = await instance(redisServer(), { blockMs: 20_000 });
    const quiet = await a.log.open('alice');
    const busy = await a.log.open('alice');
    const first = await b.log.follow(quiet.replyId, startOfReply);
    const firstEntries = first === undefined ? undefined : lastValueFrom(first.pipe(toArray()));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the loop blocks on the quiet reply
    await a.client.config('RESETSTAT');
    const followed = await Promise.all(Array.from({ length: 300 }, () => b.log.follow(busy.replyId, startOfReply)));
    const readers = followed.map((o) => {
      if (o === undefined) throw new Error('known reply');
      return lastValueFrom(o.pipe(toArray()));
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const written: Array<LoggedEntry> = [];
    for (const entry of [{ type: 'text', text: 'now' }, { type: 'finish' }] as const)
      written.push({ id: await busy.append(entry), entry });
    const deadline = new Promise((resolve) => setTimeout(resolve, 5000, 'deadline'));
    const got = await Promise.race([Promise.all(readers), deadline]);
    expect(got, 'well before the 20 s block ends').to.not.equal('deadline');
    for (const entries of got as ReadonlyArray<ReadonlyArray<LoggedEntry>>) expect(entries).to.deep.equal(written);
    const calls = await unblockCalls(a.client);
    expect(calls, 'one wake per blocked round (and its few retries), not one per join').to.be.within(1, 30);
    await quiet.append({ type: 'finish' });
    expect((await firstEntries)?.map(({ entry }) => entry.type)).to.deep.equal(['finish']);
    await quiet.close();
    await busy.close();
    await a.log.close();
    await b.log.close();
  });

  it('a producer whose lease expired cannot write any more (fenced)', async () => {
    const a = await instance(redisServer(), { producerTtlMs: 1500 });
    const producer = await a.log.open('alice');
    await a.client.del(`yqrx:reply:{${producer.replyId}}:producer`);
    const refused = await producer.append({ type: 'text', text: 'late' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(ReplyWriteRefused);
    expect((refused as ReplyWriteRefused).reason).to.equal('lease-lost');
    await producer.close();
    await a.log.close();
  });

  it('Redis killed mid-follow: the reader ends with the store error, writes are refused, and all works again once Redis is back', async () => {
    const a = await instance(redisServer());
    const producer = await a.log.open('alice');
    await producer.append({ type: 'text', text: 'before' });
    const followed = await a.log.follow(producer.replyId, startOfReply);
    if (followed === undefined) throw new Error('known reply');
    const entries = lastValueFrom(followed.pipe(toArray()));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await redisServer().kill();
    const got = await entries;
    const last = got.at(-1)?.entry;
    expect(last?.type === 'error' && last.error.code).to.equal('ESTOREUNAVAILABLE');
    const refused = await producer.append({ type: 'text', text: 'x' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((refused as ReplyWriteRefused).reason).to.equal('unavailable');
    await redisServer().restart();
    await new Promise<void>((resolve) => {
      if (a.client.status === 'ready') resolve();
      else a.client.once('ready', () => resolve());
    });
    const next = await a.log.open('alice');
    await next.append({ type: 'finish' });
    expect(await a.log.ownerOf(next.replyId)).to.equal('alice');
    await next.close();
    await producer.close();
    await a.log.close();
  });
});
