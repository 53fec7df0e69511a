/**
 * The default {@link ServerStore}: leases and conversation owners kept in this process, bounded
 * in size and expiring by TTL. Nothing to install; each instance behind a load balancer counts
 * its own (a shared store, such as Redis, makes the limits cluster-wide).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Lease, ServerStore } from './store.js';

/**
 * How much a memory store keeps.
 *
 * @example
 * ```ts
 * const options: MemoryStoreOptions = { maxConversations: 10_000 };
 * ```
 */
export interface MemoryStoreOptions {
  /** Conversation owners kept at most (default 100 000); past it the least recently claimed is forgotten. */
  readonly maxConversations?: number | undefined;
  /** The clock, in epoch milliseconds (default `Date.now`). */
  readonly now?: (() => number) | undefined;
}

/**
 * A store in this process's memory. A forgotten conversation (expired, or evicted past
 * `maxConversations`) is unknown afterwards: its client is refused and starts a new one.
 *
 * @example
 * ```ts
 * const store = createMemoryStore({ maxConversations: 10_000 });
 * const relay = createRelayHandler({ provider, authorize: bearerToken('s3cret'), store });
 * ```
 */
export const createMemoryStore = (options: MemoryStoreOptions = {}): ServerStore => {
  const now = options.now ?? Date.now;
  const maxConversations = Math.max(1, options.maxConversations ?? 100_000);
  const leases = new Map<string, Map<string, number>>();
  const owners = new Map<string, { readonly owner: string; readonly expiresAt: number }>();

  const liveLeases = (key: string): Map<string, number> | undefined => {
    const held = leases.get(key);
    if (held === undefined) return undefined;
    const at = now();
    for (const [id, expiresAt] of held) if (expiresAt <= at) held.delete(id);
    if (held.size === 0) leases.delete(key);
    return held.size === 0 ? undefined : held;
  };

  const liveOwner = (conversationId: string): string | undefined => {
    const entry = owners.get(conversationId);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now()) return entry.owner;
    owners.delete(conversationId);
    return undefined;
  };

  return {
    acquire: async (key, limit, ttlMs) => {
      const held = liveLeases(key) ?? new Map<string, number>();
      if (held.size >= limit) return undefined;
      const id = randomUUID();
      held.set(id, now() + ttlMs);
      leases.set(key, held);
      return { key, id };
    },
    release: async (lease: Lease) => {
      const held = leases.get(lease.key);
      if (held === undefined) return;
      held.delete(lease.id);
      if (held.size === 0) leases.delete(lease.key);
    },
    renew: async (lease, ttlMs) => {
      const held = liveLeases(lease.key);
      if (held === undefined || !held.has(lease.id)) return false;
      held.set(lease.id, now() + ttlMs);
      return true;
    },
    claim: async (conversationId, owner, ttlMs) => {
      const current = liveOwner(conversationId);
      if (current !== undefined && current !== owner) return false;
      owners.delete(conversationId); // re-inserted last: the map's order is the order of use
      owners.set(conversationId, { owner, expiresAt: now() + ttlMs });
      while (owners.size > maxConversations) {
        const oldest = owners.keys().next();
        if (oldest.done === true) break;
        owners.delete(oldest.value);
      }
      return true;
    },
    ownerOf: async (conversationId) => liveOwner(conversationId),
    close: async () => {
      leases.clear();
      owners.clear();
    },
  };
};
