import { expect } from 'chai';
import { lastValueFrom, Observable, Subject, take, toArray } from 'rxjs';
import { finish, text, type Chunk } from '../../../lib/core/chunk.js';
import { httpError } from '../../../lib/core/error.js';
import { produceReply, type DurableEvent } from '../../../lib/server/pipeline/produceReply.js';
import { resumeReply, stopReply } from '../../../lib/server/pipeline/resumeReply.js';
import { createMemoryReplyLog } from '../../../lib/server/store/memoryReplyLog.js';
import type { ReplyLog, ReplyLogOptions } from '../../../lib/server/store/replyLog.js';
import { redisReplyLogOn } from '../../support/redisReplyLogOn.js';
import { useRedisServer } from '../../support/redisServer.js';

/** A source the test drives, which records whether it was unsubscribed (the service request aborted). */
const controlledSource = (): {
  readonly source: Observable<Chunk>;
  readonly push: Subject<Chunk>;
  readonly aborted: () => boolean;
} => {
  const push = new Subject<Chunk>();
  let aborted = false;
  let ended = false;
  push.subscribe({ complete: () => (ended = true), error: () => (ended = true) });
  const source = new Observable<Chunk>((subscriber) => {
    const inner = push.subscribe(subscriber);
    return () => {
      // Torn down before the source ended by itself: the consumer let go (the request is aborted).
      if (!ended) aborted = true;
      inner.unsubscribe();
    };
  });
  return { source, push, aborted: () => aborted };
};

const textOf = (events: ReadonlyArray<DurableEvent>): string =>
  events.map(({ entry }) => (entry.type === 'text' ? entry.text : `<${entry.type}>`)).join('');

const settle = (ms = 20): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const productionContract = (make: (options: ReplyLogOptions) => Promise<ReplyLog>): void => {
  let log: ReplyLog;
  beforeEach(async () => {
    log = await make({});
  });
  afterEach(async () => {
    await log.close();
  });

  it('writes each chunk as it comes; the producing client sees each with its event id; a resume replays the same', async () => {
    const { source, push } = controlledSource();
    const production = await produceReply(log, 'alice', source);
    const seen = lastValueFrom(production.events.pipe(toArray()));
    push.next(text('Hel'));
    push.next(text('lo'));
    push.next(finish);
    await production.done;
    const events = await seen;
    expect(textOf(events)).to.equal('Hello<finish>');
    expect(events.every(({ id }) => id?.startsWith(`${production.replyId}.`))).to.equal(true);
    const resumed = await resumeReply(log, 'alice', events[0]?.id ?? '');
    if (resumed.type !== 'follow') throw new Error(resumed.type);
    expect(await lastValueFrom(resumed.events.pipe(toArray()))).to.deep.equal(events.slice(1));
  });

  it('goes on when its client drops: a resume after the last event seen gives exactly the rest', async () => {
    const { source, push, aborted } = controlledSource();
    const production = await produceReply(log, 'alice', source);
    const before = lastValueFrom(production.events.pipe(take(2), toArray()));
    push.next(text('one '));
    push.next(text('two '));
    const seen = await before; // the client's connection drops here
    push.next(text('three'));
    push.next(finish);
    push.complete();
    await production.done;
    expect(aborted(), 'the service request was not aborted').to.equal(false);
    const resumed = await resumeReply(log, 'alice', seen.at(-1)?.id ?? '');
    if (resumed.type !== 'follow') throw new Error(resumed.type);
    const rest = await lastValueFrom(resumed.events.pipe(toArray()));
    expect(textOf([...seen, ...rest])).to.equal('one two three<finish>');
  });

  it('stops from anywhere: the source is unsubscribed (its request aborted) and every reader gets the stopped ending', async () => {
    const { source, push, aborted } = controlledSource();
    const production = await produceReply(log, 'alice', source);
    const own = lastValueFrom(production.events.pipe(toArray()));
    push.next(text('partial'));
    await settle();
    const resumed = await resumeReply(log, 'alice', `${production.replyId}.0-0`);
    if (resumed.type !== 'follow') throw new Error(resumed.type);
    const reader = lastValueFrom(resumed.events.pipe(toArray()));
    expect(await stopReply(log, 'bob', production.replyId), 'not bob’s').to.equal('not-yours');
    expect(await stopReply(log, 'alice', production.replyId)).to.equal('stopping');
    await production.done;
    expect(aborted()).to.equal(true);
    expect(textOf(await own)).to.equal('partial<stopped>');
    expect(textOf(await reader)).to.equal('partial<stopped>');
    expect(await stopReply(log, 'alice', production.replyId), 'already ended').to.equal('gone');
  });

  it('ends with the source’s error, or with ERELAY when the source completes without finish', async () => {
    const failing = controlledSource();
    const failed = await produceReply(log, 'alice', failing.source);
    const events = lastValueFrom(failed.events.pipe(toArray()));
    failing.push.next(text('x'));
    failing.push.error(httpError(503, 'busy'));
    const last = (await events).at(-1)?.entry;
    expect(last?.type === 'error' && last.error.kind).to.equal('Http');

    const cut = controlledSource();
    const cutShort = await produceReply(log, 'alice', cut.source);
    const cutEvents = lastValueFrom(cutShort.events.pipe(toArray()));
    cut.push.next(text('x'));
    cut.push.complete();
    const cutLast = (await cutEvents).at(-1)?.entry;
    expect(cutLast?.type === 'error' && cutLast.error.code).to.equal('ERELAY');
  });

  it('answers a resume: bad id, unknown, another client’s', async () => {
    const { source, push } = controlledSource();
    const production = await produceReply(log, 'alice', source);
    push.next(finish);
    await production.done;
    expect((await resumeReply(log, 'alice', 'nonsense')).type).to.equal('bad-id');
    expect((await resumeReply(log, 'alice', 'AAAAAAAAAAAAAAAAAAAAAAAA.0-0')).type).to.equal('gone');
    expect((await resumeReply(log, 'bob', `${production.replyId}.0-0`)).type).to.equal('not-yours');
    expect(await stopReply(log, 'alice', '../x')).to.equal('bad-id');
  });

  it('ends a reply past the log’s maximum with ResponseTooLarge and aborts the source', async () => {
    await log.close();
    log = await make({ maxEntries: 4 });
    const { source, push, aborted } = controlledSource();
    const production = await produceReply(log, 'alice', source);
    const events = lastValueFrom(production.events.pipe(toArray()));
    for (let i = 0; i < 6; i++) {
      push.next(text(`${i}`));
      await settle(5);
    }
    await production.done;
    const got = await events;
    expect(textOf(got)).to.equal('012<error>');
    const last = got.at(-1)?.entry;
    expect(last?.type === 'error' && last.error.kind).to.equal('ResponseTooLarge');
    expect(aborted()).to.equal(true);
  });
};

describe('server/relay: replies produced into the reply log', () => {
  describe('in memory', () => {
    productionContract(async (options) => createMemoryReplyLog(options));
  });

  describe('on Redis (a real redis-server)', function () {
    this.timeout(30_000);
    const redisServer = useRedisServer();
    const redisLog = async (options: ReplyLogOptions): Promise<ReplyLog> =>
      (await redisReplyLogOn(redisServer(), options)).log;
    productionContract(redisLog);

    it('Redis killed mid-reply: the producing client gets the rest without ids, a resume is unavailable', async () => {
      const log = await redisLog({});
      try {
        const { source, push } = controlledSource();
        const production = await produceReply(log, 'alice', source);
        const events = lastValueFrom(production.events.pipe(toArray()));
        push.next(text('kept '));
        await settle(50);
        await redisServer().kill();
        push.next(text('not kept'));
        push.next(finish);
        await production.done;
        const got = await events;
        expect(textOf(got)).to.equal('kept not kept<finish>');
        expect(got.map(({ id }) => id !== undefined)).to.deep.equal([true, false, false]);
        expect((await resumeReply(log, 'alice', got[0]?.id ?? '')).type).to.equal('unavailable');
      } finally {
        await log.close();
        await redisServer().restart();
      }
    });
  });
});
