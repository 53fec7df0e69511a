import { expect } from 'chai';
import { childLines, resolveLogHook, root } from '../../support/moduleLog.js';

/** Imports yqcloud-rx/server, uses the memory store fully, then makes a Redis store (Redis absent). */
const child = `
import { register } from 'node:module';
import * as net from 'node:net';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(resolveLogHook())}));
const { createMemoryReplyStore, createRedisStore } = await import(${JSON.stringify(`${root}lib/server/index.ts`)});
const memory = createMemoryReplyStore();
const lease = await memory.acquire('client:a', 1, 1000);
await memory.release(lease);
await memory.requestRate.consume('client:a', 10);
const producer = await memory.replies.open('a');
await producer.append({ type: 'finish' });
await memory.close();
process._rawDebug('mark memory');
const port = await new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
const redis = await createRedisStore({ url: 'redis://127.0.0.1:' + port, connectTimeoutMs: 500, log: () => {} });
await redis.close();
process._rawDebug('mark redis');
`;

describe('server/store: the Redis client loaded only by the Redis store', () => {
  it('importing yqcloud-rx/server and serving on the memory store load nothing of ioredis; making a Redis store loads it', async () => {
    const lines = await childLines(child);
    const memory = lines.indexOf('mark memory');
    const redis = lines.indexOf('mark redis');
    expect(memory).to.be.above(0);
    expect(redis).to.be.above(memory);
    const loaded = (from: number, to: number, name: string): boolean =>
      lines.slice(from, to).some((line) => line.startsWith(`resolved file://${root}node_modules/${name}/`));
    expect(loaded(0, memory, 'rate-limiter-flexible'), 'the hook sees the memory store’s imports').to.be.true;
    expect(loaded(0, memory, 'ioredis'), 'ioredis with the memory store').to.be.false;
    expect(loaded(memory, redis, 'ioredis'), 'ioredis with the Redis store').to.be.true;
  });
});
