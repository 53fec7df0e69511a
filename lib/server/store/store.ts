/**
 * The server's shared state behind one interface: stream leases (the concurrent streams each
 * client may hold) and conversation ownership (which verified identity a service conversation
 * belongs to). Every method is asynchronous so that a store shared by several instances (Redis)
 * can implement it; the default, {@link createMemoryStore}, keeps it in this process.
 *
 * Keys and identities are opaque strings chosen by the server (an identity is what `authorize`
 * verified, never a header as sent). A store never sees a token or a message.
 *
 * @module
 */

/**
 * A held stream slot: its id within its key, for {@link ServerStore.release} and
 * {@link ServerStore.renew}.
 *
 * @example
 * ```ts
 * const lease: Lease = { key: 'client:alice', id: 'b3f1c2' };
 * ```
 */
export interface Lease {
  /** The client key the lease counts against. */
  readonly key: string;
  /** Unique among the leases of `key` (random; a store may choose its own form). */
  readonly id: string;
}

/**
 * The shared state of the relay and the OpenAI-compatible route. One store per server, passed
 * to every handler, so that every route counts against one budget per client. Each member's
 * doc is the contract an implementation keeps.
 *
 * @example
 * ```ts
 * const store: ServerStore = createMemoryStore();
 * const lease = await store.acquire('client:alice', 4, 60_000); // undefined when alice has 4 open
 * if (lease !== undefined) await store.release(lease);
 * await store.claim('#/chat/8361927450123', 'alice', 86_400_000); // true
 * await store.ownerOf('#/chat/8361927450123'); // 'alice'
 * await store.close();
 * ```
 */
export interface ServerStore {
  /**
   * Atomically drops the leases of `key` whose TTL has passed, then takes a new one if fewer than
   * `limit` remain; `undefined` when `key` is at its limit. A lease not renewed within `ttlMs`
   * expires by itself (an instance that died frees its slots).
   */
  readonly acquire: (key: string, limit: number, ttlMs: number) => Promise<Lease | undefined>;
  /** Gives the slot back; releasing twice, or an expired lease, does nothing. */
  readonly release: (lease: Lease) => Promise<void>;
  /** Pushes the lease's expiry to `ttlMs` from now; `false` when it is no longer held (expired or released). */
  readonly renew: (lease: Lease, ttlMs: number) => Promise<boolean>;
  /**
   * Binds a conversation to `owner` unless another owner holds it; `true` when `owner` holds it
   * afterwards (its TTL then restarts), `false` when it belongs to someone else.
   */
  readonly claim: (conversationId: string, owner: string, ttlMs: number) => Promise<boolean>;
  /** The owner, or `undefined` for an unknown or expired conversation. */
  readonly ownerOf: (conversationId: string) => Promise<string | undefined>;
  /** Frees what the store holds (timers, connections); later calls may reject. */
  readonly close: () => Promise<void>;
}
