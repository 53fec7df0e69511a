import type { Redis } from 'ioredis';
import { createRedisClient } from '../../lib/server/store/redisConnection.js';
import { createRedisReplyLog, type RedisReplyLogOptions } from '../../lib/server/store/redisReplyLog.js';
import type { ReplyLog } from '../../lib/server/store/replyLog.js';
import type { RedisServer } from './redisServer.js';

/**
 * A Redis reply log as one instance of a cluster has it: its own client to the shared Redis
 * (connected), readers blocking 100 ms at a time; `close()` also disconnects the client.
 */
export const redisReplyLogOn = async (
  redis: RedisServer,
  options: RedisReplyLogOptions = {},
): Promise<{ readonly log: ReplyLog; readonly client: Redis }> => {
  const client = await createRedisClient({ url: redis.url, log: () => {} });
  client.on('error', () => {});
  await client.connect();
  const log = createRedisReplyLog(client, { blockMs: 100, ...options }, { failed: () => {} });
  return {
    client,
    log: {
      ...log,
      close: async () => {
        await log.close();
        client.disconnect();
      },
    },
  };
};
