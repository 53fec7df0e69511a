import { expect } from 'chai';
import { lastValueFrom, type Observable, toArray } from 'rxjs';
import { YqcloudError } from '../../../lib/core/error.js';
import { ReplyWriteRefused } from '../../../lib/server/store/replyErrors.js';
import {
  type LoggedEntry,
  type ReplyLog,
  type ReplyLogOptions,
  startOfReply,
} from '../../../lib/server/store/replyLog.js';

/** What every ReplyLog must do, run against each implementation. */
export const replyLogContract = (make: (options: ReplyLogOptions) => Promise<ReplyLog>): void => {
  let log: ReplyLog;
  beforeEach(async () => {
    log = await make({});
  });
  afterEach(async () => {
    await log.close();
  });

  const follow = async (replyId: string, after: string): Promise<Observable<LoggedEntry>> => {
    const followed = await log.follow(replyId, after);
    if (followed === undefined) throw new Error('the reply should be known');
    return followed;
  };
  const texts = (entries: ReadonlyArray<LoggedEntry>): string =>
    entries.map(({ entry }) => (entry.type === 'text' ? entry.text : `<${entry.type}>`)).join('');

  it('replays what came after an id, follows live to the ending, then completes', async () => {
    const producer = await log.open('alice');
    const first = await producer.append({ type: 'text', text: 'a' });
    await producer.append({ type: 'text', text: 'b' });
    const all = lastValueFrom((await follow(producer.replyId, startOfReply)).pipe(toArray()));
    const rest = lastValueFrom((await follow(producer.replyId, first)).pipe(toArray()));
    await producer.append({ type: 'text', text: 'c' });
    await producer.append({ type: 'finish' });
    await producer.close();
    expect(texts(await all)).to.equal('abc<finish>');
    expect(texts(await rest)).to.equal('bc<finish>');
    const ids = (await all).map(({ id }) => id);
    expect(new Set(ids).size, 'ids are unique').to.equal(ids.length);
  });

  it('every reader attaching during a burst gets exactly the entries after its id, once, in order (resume racing the producer)', async () => {
    const producer = await log.open('alice');
    const written: LoggedEntry[] = [];
    const readers: Array<Promise<{ after: string; got: ReadonlyArray<LoggedEntry> }>> = [];
    for (let i = 0; i < 120; i++) {
      if (i % 15 === 7) {
        const after = written.at(-1)?.id ?? startOfReply;
        readers.push(
          follow(producer.replyId, after).then(async (o) => ({ after, got: await lastValueFrom(o.pipe(toArray())) })),
        );
      }
      const entry = { type: 'text', text: `${i},` } as const;
      written.push({ id: await producer.append(entry), entry });
    }
    const ending = { type: 'finish' } as const;
    written.push({ id: await producer.append(ending), entry: ending });
    await producer.close();
    for (const { after, got } of await Promise.all(readers)) {
      const from = after === startOfReply ? 0 : written.findIndex(({ id }) => id === after) + 1;
      expect(got).to.deep.equal(written.slice(from));
    }
  });

  it('replays an ended reply to a late reader, ending included', async () => {
    const producer = await log.open('alice');
    await producer.append({ type: 'text', text: 'done' });
    await producer.append({ type: 'finish' });
    await producer.close();
    expect(texts(await lastValueFrom((await follow(producer.replyId, startOfReply)).pipe(toArray())))).to.equal(
      'done<finish>',
    );
  });

  it('knows the owner; an unknown reply has none and cannot be followed', async () => {
    const producer = await log.open('alice');
    expect(await log.ownerOf(producer.replyId)).to.equal('alice');
    expect(await log.ownerOf('AAAAAAAAAAAAAAAAAAAAAAAA')).to.equal(undefined);
    expect(await log.follow('AAAAAAAAAAAAAAAAAAAAAAAA', startOfReply)).to.equal(undefined);
    await producer.close();
  });

  it('refuses writes after the ending: the ending is always the last entry', async () => {
    const producer = await log.open('alice');
    await producer.append({ type: 'stopped' });
    const late = await producer.append({ type: 'text', text: 'late' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(late).to.be.instanceOf(ReplyWriteRefused);
    expect((late as ReplyWriteRefused).reason).to.equal('ended');
    await producer.close();
  });

  it('a stop request reaches the producer; none for an unknown or ended reply', async () => {
    const producer = await log.open('alice');
    const aborted = new Promise<unknown>((resolve) =>
      producer.signal.addEventListener('abort', () => resolve(producer.signal.reason)),
    );
    expect(await log.requestStop(producer.replyId)).to.equal(true);
    expect(await aborted).to.equal('stop-requested');
    await producer.append({ type: 'stopped' });
    expect(await log.requestStop(producer.replyId)).to.equal(false);
    expect(await log.requestStop('AAAAAAAAAAAAAAAAAAAAAAAA')).to.equal(false);
    await producer.close();
  });

  it('a reply closed without its ending ends for its readers with the documented error and the text so far', async () => {
    const producer = await log.open('alice');
    await producer.append({ type: 'text', text: 'Hel' });
    await producer.append({ type: 'text', text: 'lo' });
    const entries = lastValueFrom((await follow(producer.replyId, startOfReply)).pipe(toArray()));
    await producer.close();
    const last = (await entries).at(-1)?.entry;
    expect(last?.type).to.equal('error');
    const error = last?.type === 'error' ? last.error : undefined;
    expect(error).to.be.instanceOf(YqcloudError);
    expect(error?.code).to.equal('EPRODUCERLOST');
    expect(error?.partialText).to.equal('Hello');
  });

  it('refuses entries past its maximum, keeping room for the ending', async () => {
    await log.close();
    log = await make({ maxEntries: 4 });
    const producer = await log.open('alice');
    const results: unknown[] = [];
    for (let i = 0; i < 6; i++)
      results.push(
        await producer.append({ type: 'text', text: 'x' }).then(
          () => 'ok',
          (e: ReplyWriteRefused) => e.reason,
        ),
      );
    await producer.append({ type: 'finish' });
    expect(results).to.deep.equal(['ok', 'ok', 'ok', 'full', 'full', 'full']);
    await producer.close();
  });

  it('a chat’s active reply: set when opened for it, for its owner only, until its ending', async () => {
    const first = await log.open('alice', { chatId: 'chat-1' });
    expect(await log.activeReply('alice', 'chat-1')).to.equal(first.replyId);
    expect(await log.activeReply('bob', 'chat-1'), 'another owner’s chat').to.equal(undefined);
    expect(await log.activeReply('alice', 'chat-2')).to.equal(undefined);
    const other = await log.open('bob', { chatId: 'chat-1' });
    expect(await log.activeReply('bob', 'chat-1')).to.equal(other.replyId);
    expect(await log.activeReply('alice', 'chat-1'), 'bob’s chat of the same id changes nothing for alice').to.equal(
      first.replyId,
    );
    await first.append({ type: 'text', text: 'Hi' });
    await first.append({ type: 'finish' });
    await first.close();
    expect(await log.activeReply('alice', 'chat-1'), 'ended').to.equal(undefined);
    await other.append({ type: 'stopped' });
    await other.close();
    expect(await log.activeReply('bob', 'chat-1')).to.equal(undefined);
  });

  it('a newer reply of a chat takes its place; the older one’s ending leaves it; a lost producer clears it', async () => {
    const older = await log.open('alice', { chatId: 'c' });
    const newer = await log.open('alice', { chatId: 'c' });
    expect(await log.activeReply('alice', 'c')).to.equal(newer.replyId);
    await older.append({ type: 'finish' });
    await older.close();
    expect(await log.activeReply('alice', 'c')).to.equal(newer.replyId);
    await newer.close();
    expect(await log.activeReply('alice', 'c'), 'closed without an ending').to.equal(undefined);
    const plain = await log.open('alice');
    expect(await log.activeReply('alice', plain.replyId)).to.equal(undefined);
    await plain.close();
  });

  it('the owner and chat id cannot be mixed up through a separator', async () => {
    const producer = await log.open('a:b', { chatId: 'c' });
    expect(await log.activeReply('a', 'b:c')).to.equal(undefined);
    expect(await log.activeReply('a:b', 'c')).to.equal(producer.replyId);
    await producer.close();
  });

  it('keeps a finish’s usage', async () => {
    const producer = await log.open('alice');
    await producer.append({ type: 'finish', usage: { inputTokens: 12, outputTokens: 40 } });
    const [entry] = await lastValueFrom((await follow(producer.replyId, startOfReply)).pipe(toArray()));
    expect(entry?.entry).to.deep.equal({ type: 'finish', usage: { inputTokens: 12, outputTokens: 40 } });
    await producer.close();
  });
};
