import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';
import { type LoggedEntry, startOfReply } from '../../../lib/server/store/replyLog.js';
import { redisReplyLogOn } from '../../support/redisReplyLogOn.js';
import { useRedisServer } from '../../support/redisServer.js';

// A variant on the readers that share one blocking connection (redisFollowers.ts): Redis killed
// under many readers of several replies, against a real redis-server.
describe('server/store: shared Redis readers when Redis dies under many of them', function () {
  this.timeout(30_000);
  const redisServer = useRedisServer();

  it('Redis killed under 40 readers of 8 replies: each ends with ESTOREUNAVAILABLE after its entries, none hangs; readers work again once Redis is back', async () => {
    const a = await redisReplyLogOn(redisServer(), { blockMs: 5000 });
    const producers = await Promise.all(Array.from({ length: 8 }, () => a.log.open('alice')));
    for (const producer of producers) await producer.append({ type: 'text', text: 'before' });
    const followed = await Promise.all(
      Array.from({ length: 40 }, (_, i) => a.log.follow(producers[i % 8]?.replyId ?? '', startOfReply)),
    );
    const readers = followed.map((o) => {
      if (o === undefined) throw new Error('known reply');
      return lastValueFrom(o.pipe(toArray()));
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await redisServer().kill();
    const deadline = new Promise((resolve) => setTimeout(resolve, 10_000, 'deadline'));
    const got = await Promise.race([Promise.all(readers), deadline]);
    expect(got, 'every reader ends, within the command timeout').to.not.equal('deadline');
    for (const entries of got as ReadonlyArray<ReadonlyArray<LoggedEntry>>) {
      expect(entries.map(({ entry }) => entry.type)).to.deep.equal(['text', 'error']);
      const last = entries.at(-1)?.entry;
      expect(last?.type === 'error' && last.error.code).to.equal('ESTOREUNAVAILABLE');
    }
    await redisServer().restart();
    await new Promise<void>((resolve) => {
      if (a.client.status === 'ready') resolve();
      else a.client.once('ready', () => resolve());
    });
    const next = await a.log.open('alice');
    const again = await Promise.all(Array.from({ length: 5 }, () => a.log.follow(next.replyId, startOfReply)));
    const entries = again.map((o) => {
      if (o === undefined) throw new Error('known reply');
      return lastValueFrom(o.pipe(toArray()));
    });
    await next.append({ type: 'text', text: 'after' });
    await next.append({ type: 'finish' });
    for (const e of await Promise.all(entries))
      expect(e.map(({ entry }) => entry.type)).to.deep.equal(['text', 'finish']);
    await next.close();
    for (const producer of producers) await producer.close();
    await a.log.close();
  });
});
