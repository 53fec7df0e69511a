import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { createConversationStore } from '../../lib/emulator/conversations.js';
import { createRequestLog } from '../../lib/emulator/requestLog.js';

// The emulator inside `serve` faces any client: what it keeps is bounded in characters, not only
// in count (issue 21, class 11).
describe('emulator: what it keeps is bounded in characters', () => {
  const megabyte = 'x'.repeat(1024 * 1024);

  it('64 prompts of 1 MB to one userId keep at most 1 Mi characters (not 64 Mi), and the last turn', () => {
    const store = createConversationStore(1000);
    for (let i = 0; i < 64; i++) store.append('#/chat/1', { prompt: `${i}${megabyte}`, reply: 'ok' });
    const turns = store.turns('#/chat/1');
    const kept = turns.reduce((sum, t) => sum + t.prompt.length + t.reply.length, 0);
    expect(kept).to.be.at.most(1024 * 1024);
    expect(turns.at(-1)?.prompt.startsWith('63')).to.equal(true);
  });

  it('many conversations keep at most the store’s bound in all, the most recent first', () => {
    const store = createConversationStore(1000, 4 * 1024 * 1024);
    for (let i = 0; i < 100; i++) store.append(`#/chat/${i}`, { prompt: megabyte.slice(0, 200_000), reply: 'ok' });
    const kept = store
      .userIds()
      .flatMap((id) => store.turns(id))
      .reduce((sum, t) => sum + t.prompt.length, 0);
    expect(kept).to.be.at.most(4 * 1024 * 1024);
    expect(store.userIds()).to.include('#/chat/99');
  });

  it('the request log keeps 1 000 requests of 1 MiB within its character bound', () => {
    const log = createRequestLog(1000);
    const req = { method: 'POST', url: '/api/generateStream', headers: {} } as IncomingMessage;
    const payload = {
      prompt: megabyte,
      userId: '#/chat/1',
      network: true,
      system: '',
      withoutContext: false,
      stream: true,
    };
    for (let i = 0; i < 1000; i++) log.record(req, 200, payload);
    const kept = log.entries.reduce((sum, e) => sum + (e.payload?.prompt.length ?? 0), 0);
    expect(kept).to.be.at.most(8 * 1024 * 1024);
    expect(log.entries.at(-1)?.status).to.equal(200);
  });
});
