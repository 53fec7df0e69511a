/**
 * The store with everything the handlers need from it: stream leases and conversation
 * owners ({@link ServerStore}), requests per minute, and durable replies.
 *
 * @module
 */
import { createMemoryReplyLog, type MemoryReplyLogOptions } from './memoryReplyLog.js';
import { createMemoryRequestRate } from './memoryRequestRate.js';
import { createMemoryStore, type MemoryStoreOptions } from './memoryStore.js';
import type { ReplyLog } from './replyLog.js';
import type { RequestRate } from './requestRate.js';
import type { ServerStore } from './store.js';

/**
 * A {@link ServerStore} that also counts requests per minute and keeps replies resumable.
 *
 * @example
 * ```ts
 * const store: ReplyStore = createMemoryReplyStore();
 * const producer = await store.replies.open('alice');
 * ```
 */
export interface ReplyStore extends ServerStore {
  readonly requestRate: RequestRate;
  readonly replies: ReplyLog;
}

/**
 * Everything in this process: the default, nothing to install; a reply can be resumed on this
 * instance only, and each instance counts its own limits.
 *
 * @example
 * ```ts
 * const store = createMemoryReplyStore({ maxConversations: 10_000, endedTtlMs: 60_000 });
 * ```
 */
export const createMemoryReplyStore = (options: MemoryStoreOptions & MemoryReplyLogOptions = {}): ReplyStore => {
  const store = createMemoryStore(options);
  const replies = createMemoryReplyLog(options);
  return {
    ...store,
    requestRate: createMemoryRequestRate(),
    replies,
    close: async () => {
      await replies.close();
      await store.close();
    },
  };
};

const ownRates = new WeakMap<ServerStore, RequestRate>();

/**
 * Where a store counts requests per minute: its own `requestRate` (a {@link ReplyStore}), or, for
 * a store without one, a memory count kept for that store (so the handlers sharing it share it).
 */
export const requestRateOfStore = (store: ServerStore): RequestRate => {
  const own: unknown = (store as Partial<ReplyStore>).requestRate;
  if (typeof own === 'object' && own !== null && typeof (own as RequestRate).consume === 'function')
    return own as RequestRate;
  let rate = ownRates.get(store);
  if (rate === undefined) {
    rate = createMemoryRequestRate();
    ownRates.set(store, rate);
  }
  return rate;
};

/**
 * The reply log of a store that keeps replies (a {@link ReplyStore}), or `undefined`.
 */
export const repliesOf = (store: ServerStore): ReplyLog | undefined => {
  const replies: unknown = (store as Partial<ReplyStore>).replies;
  return typeof replies === 'object' && replies !== null && typeof (replies as ReplyLog).open === 'function'
    ? (replies as ReplyLog)
    : undefined;
};
