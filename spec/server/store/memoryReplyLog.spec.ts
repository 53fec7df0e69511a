import { expect } from 'chai';
import { createMemoryReplyLog } from '../../../lib/server/store/memoryReplyLog.js';
import type { ReplyWriteRefused } from '../../../lib/server/store/replyErrors.js';
import { replyLogContract } from './replyLog.contract.js';

describe('server/store: the memory reply log', () => {
  replyLogContract(async (options) => createMemoryReplyLog(options));
});

describe('server/store: the memory reply log’s bounds', () => {
  it('forgets the oldest ended replies past maxKeptChars, and refuses a live reply past it', async () => {
    const log = createMemoryReplyLog({ maxKeptChars: 10 });
    const old = await log.open('alice');
    await old.append({ type: 'text', text: '123456' });
    await old.append({ type: 'finish' });
    const live = await log.open('alice');
    await live.append({ type: 'text', text: '1234567' }); // 13 kept: the ended reply goes
    expect(await log.ownerOf(old.replyId)).to.equal(undefined);
    expect(await log.ownerOf(live.replyId)).to.equal('alice');
    const refused = await live.append({ type: 'text', text: '12345' }).catch((e: ReplyWriteRefused) => e.reason);
    expect(refused).to.equal('full');
    await live.append({ type: 'finish' });
    await log.close();
  });
});
