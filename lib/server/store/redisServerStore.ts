/**
 * {@link ServerStore} on Redis: each client key's stream leases in a sorted set scored by expiry
 * on the server's clock (expired leases drop out when the next one is taken, and the set itself
 * expires when nobody renews it), each conversation's owner in a key with a TTL. Every change is
 * one script, so instances never race. Rejects when Redis cannot be reached.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { scriptCaller } from './redisScriptCaller.js';
import { redisScripts } from './redisScripts.js';

const { acquireLease, claimConversation, renewLease } = redisScripts;
import type { ServerStore } from './store.js';

/**
 * Leases and conversation owners in Redis under `prefix` (`close` leaves the client open).
 *
 * @example
 * ```ts
 * const client = await createRedisClient({ url: 'redis://127.0.0.1:6379' });
 * const store = createRedisServerStore(client, 'yqrx:');
 * const lease = await store.acquire('client:alice', 4, 15_000);
 * ```
 */
export const createRedisServerStore = (client: Redis, prefix: string): ServerStore => {
  const acquire$ = scriptCaller(client, acquireLease);
  const renew$ = scriptCaller(client, renewLease);
  const claim$ = scriptCaller(client, claimConversation);
  const leasesOf = (key: string): string => `${prefix}leases:${key}`;
  const ownerKey = (conversationId: string): string => `${prefix}owner:${conversationId}`;
  return {
    acquire: async (key, limit, ttlMs) => {
      const id = randomUUID();
      return (await acquire$([leasesOf(key)], [id, limit, Math.ceil(ttlMs)])) === 1 ? { key, id } : undefined;
    },
    release: async (lease) => {
      await client.zrem(leasesOf(lease.key), lease.id);
    },
    renew: async (lease, ttlMs) => (await renew$([leasesOf(lease.key)], [lease.id, Math.ceil(ttlMs)])) === 1,
    claim: async (conversationId, owner, ttlMs) =>
      (await claim$([ownerKey(conversationId)], [owner, Math.ceil(ttlMs)])) === 1,
    ownerOf: async (conversationId) => (await client.get(ownerKey(conversationId))) ?? undefined,
    close: async () => {},
  };
};
