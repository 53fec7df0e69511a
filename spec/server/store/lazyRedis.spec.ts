import { expect } from 'chai';
import { registerResolveLog, resolvedBetweenMarks, root } from '../../support/resolvedModules.js';

/** Uses the memory store fully, then makes a Redis store (Redis absent), marking each step. */
const child = `${registerResolveLog}
import * as net from 'node:net';
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
    const loaded = await resolvedBetweenMarks(child);
    expect(loaded(undefined, 'memory', 'rate-limiter-flexible'), 'the hook sees the memory store’s imports').to.be.true;
    expect(loaded(undefined, 'memory', 'ioredis'), 'ioredis with the memory store').to.be.false;
    expect(loaded('memory', 'redis', 'ioredis'), 'ioredis with the Redis store').to.be.true;
  });
});
