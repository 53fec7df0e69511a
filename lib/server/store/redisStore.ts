/**
 * The store of a cluster: every `serve` (or handler) given the same Redis shares its stream
 * leases, request counts, conversation owners and replies. ioredis and rate-limiter-flexible's
 * Redis limiter are loaded by {@link createRedisStore} only.
 *
 * When Redis cannot be reached (at start, or lost later) nothing hangs and nothing crashes:
 * every connect and command is bounded, commands fail at once while disconnected, and the
 * store says so once in the log (the URL without credentials). By default it goes on with
 * limits and owners counted in this process (`whenUnavailable: 'per-instance'`); with
 * `'refuse'` each of those calls rejects with {@link StoreUnavailable} instead (the handlers
 * answer 503). Replies cannot be opened, followed or stopped meanwhile (their calls reject:
 * resume answers 503). Once Redis answers again the store uses it again, and says so.
 *
 * @module
 */
import type { Redis } from 'ioredis';
import { createMemoryRequestRate } from './memoryRequestRate.js';
import { createMemoryStore } from './memoryStore.js';
import { createRedisClient, isUnreachable, type RedisConnectionOptions, watchHealth } from './redisConnection.js';
import { createRedisReplyLog, type RedisReplyLogOptions } from './redisReplyLog.js';
import { createRedisRequestRate } from './redisRequestRate.js';
import { createRedisServerStore } from './redisServerStore.js';
import type { ReplyStore } from './replyStore.js';
import type { Lease } from './store.js';

/**
 * How a Redis store connects, names its keys, and behaves while Redis is away.
 *
 * @example
 * ```ts
 * const options: RedisStoreOptions = { url: process.env['REDIS_URL'] ?? '', whenUnavailable: 'refuse' };
 * ```
 */
export interface RedisStoreOptions extends RedisConnectionOptions, RedisReplyLogOptions {
  /** While Redis is away: count per instance (default), or refuse with {@link StoreUnavailable}. */
  readonly whenUnavailable?: 'per-instance' | 'refuse' | undefined;
}

/**
 * A {@link ReplyStore} on Redis, with its health.
 *
 * @example
 * ```ts
 * const store: RedisStore = await createRedisStore({ url: 'redis://127.0.0.1:6379' });
 * store.available(); // true while Redis answers
 * ```
 */
export interface RedisStore extends ReplyStore {
  /** Whether Redis answers now. */
  readonly available: () => boolean;
}

/**
 * What a `'refuse'` store rejects with while Redis is away (the handlers answer 503).
 *
 * @example
 * ```ts
 * const store = await createRedisStore({ url: 'redis://127.0.0.1:6379', whenUnavailable: 'refuse' });
 * await store.acquire('client:alice', 4, 15_000).catch((e) => e instanceof StoreUnavailable); // true while Redis is away
 * ```
 */
export class StoreUnavailable extends Error {
  constructor() {
    super('the shared store (Redis) is unavailable');
    this.name = 'StoreUnavailable';
  }
}

const localPrefix = 'local:';

/**
 * Connects to Redis (waiting at most `connectTimeoutMs`; if it is not there, the store starts
 * anyway and keeps trying in the background) and returns the store.
 *
 * @example
 * ```ts
 * const store = await createRedisStore({ url: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
 * // … hand `store` to every handler; on shutdown:
 * await store.close();
 * ```
 */
export const createRedisStore = async (options: RedisStoreOptions): Promise<RedisStore> => {
  const prefix = options.prefix ?? 'yqrx:';
  const refuse = options.whenUnavailable === 'refuse';
  const client: Redis = await createRedisClient(options);
  const health = watchHealth(
    client,
    options,
    refuse
      ? 'requests that need it are refused (503) until it is back'
      : 'limits and conversation owners are counted per instance, and replies cannot be resumed, until it is back',
  );
  await client.connect().catch(() => {
    // Told to the log by the health watch; the client keeps reconnecting.
  });

  const shared = createRedisServerStore(client, prefix);
  const sharedRate = createRedisRequestRate(client, prefix);
  const local = createMemoryStore();
  const localRate = createMemoryRequestRate();
  const replies = createRedisReplyLog(
    client,
    { ...options, prefix, commandTimeoutMs: options.commandTimeoutMs },
    { failed: health.failed },
  );

  /** The shared call while Redis answers; otherwise this process's, or a refusal. */
  const either = async <T>(remote: () => Promise<T>, fallback: () => Promise<T>): Promise<T> => {
    if (health.up()) {
      try {
        return await remote();
      } catch (e) {
        if (!isUnreachable(e)) throw e;
        health.failed(e);
      }
    }
    if (refuse) throw new StoreUnavailable();
    return fallback();
  };

  const localLease = (lease: Lease): Lease | undefined =>
    lease.id.startsWith(localPrefix) ? { key: lease.key, id: lease.id.slice(localPrefix.length) } : undefined;

  return {
    available: health.up,
    acquire: (key, limit, ttlMs) =>
      either(
        () => shared.acquire(key, limit, ttlMs),
        async () => {
          const lease = await local.acquire(key, limit, ttlMs);
          return lease === undefined ? undefined : { key, id: `${localPrefix}${lease.id}` };
        },
      ),
    release: async (lease) => {
      const here = localLease(lease);
      if (here !== undefined) return local.release(here);
      // A lease Redis cannot be told about expires there by itself.
      return either(
        () => shared.release(lease),
        async () => {},
      ).catch(() => {});
    },
    renew: (lease, ttlMs) => {
      const here = localLease(lease);
      if (here !== undefined) return local.renew(here, ttlMs);
      // While Redis is away the stream goes on; its lease there expires by itself.
      return either(
        () => shared.renew(lease, ttlMs),
        async () => true,
      );
    },
    claim: (conversationId, owner, ttlMs) =>
      either(
        () => shared.claim(conversationId, owner, ttlMs),
        () => local.claim(conversationId, owner, ttlMs),
      ),
    ownerOf: (conversationId) =>
      either(
        () => shared.ownerOf(conversationId),
        () => local.ownerOf(conversationId),
      ),
    requestRate: {
      consume: (key, perMinute) =>
        either(
          () => sharedRate.consume(key, perMinute),
          () => localRate.consume(key, perMinute),
        ),
    },
    replies: {
      ...replies,
      open: (owner, openOptions) =>
        health.up() ? replies.open(owner, openOptions) : Promise.reject(new StoreUnavailable()),
      activeReply: (owner, chatId) =>
        health.up() ? replies.activeReply(owner, chatId) : Promise.reject(new StoreUnavailable()),
      follow: (replyId, afterId) =>
        health.up() ? replies.follow(replyId, afterId) : Promise.reject(new StoreUnavailable()),
      ownerOf: (replyId) => (health.up() ? replies.ownerOf(replyId) : Promise.reject(new StoreUnavailable())),
      requestStop: (replyId) => (health.up() ? replies.requestStop(replyId) : Promise.reject(new StoreUnavailable())),
    },
    close: async () => {
      health.stop();
      await replies.close();
      await local.close();
      client.disconnect();
    },
  };
};
