import { expect } from 'chai';
import type * as http from 'node:http';
import {
  createConversationStore,
  defaultMaxConversationBytes,
  maxTurnChars,
} from '../../lib/emulator/conversations.js';
import { startEmulator } from '../../lib/emulator/index.js';
import { createRequestLog, defaultMaxRequestLogBytes } from '../../lib/emulator/requestLog.js';

const MiB = 1024 * 1024;
const body = (prompt: string, userId = '#/chat/1') =>
  JSON.stringify({ prompt, userId, network: true, system: '', withoutContext: false, stream: true });

/** A request as the log reads it: method, URL and headers. */
const request = (url = '/api/generateStream'): http.IncomingMessage =>
  ({ method: 'POST', url, headers: { 'content-type': 'application/json' } }) as unknown as http.IncomingMessage;

// The emulator is what `serve --emulator` runs: a client must not make it grow without end.
describe('emulator: memory bounded by bytes, not only counts', () => {
  it('64 prompts of 1 MB to one userId keep excerpts, not 64 MB (conversation store)', () => {
    const store = createConversationStore(1000);
    const prompt = 'x'.repeat(1_000_000);
    for (let i = 0; i < 64; i++) store.append('#/chat/1', { prompt: `${i} ${prompt}`, reply: 'ok' });
    const turns = store.turns('#/chat/1');
    expect(turns).to.have.length(64);
    expect(turns[0]?.prompt.startsWith('0 xxx')).to.equal(true);
    expect(Math.max(...turns.map((t) => t.prompt.length))).to.equal(maxTurnChars);
    expect(store.bytes()).to.be.below(1 * MiB);
  });

  it('many conversations stay within the byte bound: the least recently used are forgotten', () => {
    const store = createConversationStore(1_000_000, 1 * MiB);
    for (let i = 0; i < 10_000; i++) store.append(`#/chat/${i}`, { prompt: 'p'.repeat(4000), reply: 'r'.repeat(4000) });
    expect(store.bytes()).to.be.at.most(1 * MiB);
    expect(store.userIds().at(-1)).to.equal('#/chat/9999');
    expect(store.turns('#/chat/0')).to.deep.equal([]);
    expect(defaultMaxConversationBytes).to.equal(8 * MiB);
  });

  it('1,000 requests of 1 MiB: the request log is bounded by bytes, the newest kept', () => {
    const log = createRequestLog(1000);
    const prompt = 'y'.repeat(MiB);
    for (let i = 0; i < 1000; i++)
      log.record(request(), 200, {
        prompt,
        userId: `#/chat/${i}`,
        system: '',
        network: true,
        withoutContext: false,
        stream: true,
      });
    const kept = log.entries.reduce((sum, entry) => sum + 2 * (entry.payload?.prompt.length ?? 0), 0);
    expect(kept).to.be.at.most(defaultMaxRequestLogBytes);
    expect(log.entries.length).to.be.within(1, 8);
    expect(log.entries.at(-1)?.payload?.userId).to.equal('#/chat/999');
  });

  it('a running emulator applies both bounds (maxConversationBytes, maxRequestLogBytes)', async () => {
    const emulator = await startEmulator({ delayMs: 0, pieceChars: 4096, maxRequestLogBytes: MiB });
    try {
      const big = 'z'.repeat(900_000);
      for (let i = 0; i < 4; i++) {
        const response = await fetch(emulator.apiEndpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: body(`${i} ${big}`),
        });
        await response.text();
      }
      expect(emulator.requests).to.have.length(1);
      expect(emulator.requests[0]?.payload?.prompt.startsWith('3 ')).to.equal(true);
      const again = await fetch(emulator.apiEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body('and now?'),
      });
      // the conversation is remembered (turn 5), from excerpts of the prompts
      expect(await again.text())
        .to.include('This is turn 5')
        .and.include('Earlier you said: "0 zzz');
    } finally {
      await emulator.close();
    }
  });
});
