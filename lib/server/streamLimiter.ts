/**
 * A per-client limit on concurrent streams, counted in this process (each instance behind a
 * load balancer counts its own).
 *
 * @module
 */

/**
 * Open streams per client key.
 *
 * @example
 * ```ts
 * const limiter: StreamLimiter = createStreamLimiter(2);
 * const release = limiter.acquire('token-a'); // a function, or undefined when 'token-a' has 2 open
 * release?.();
 * ```
 */
export interface StreamLimiter {
  /** Takes a slot for `key`: the function that gives it back (once; later calls do nothing), or `undefined` when `key` is at the limit. */
  readonly acquire: (key: string) => (() => void) | undefined;
  /** The streams `key` has open. */
  readonly active: (key: string) => number;
  /** The limit per key. */
  readonly limit: number;
}

/**
 * A limiter allowing `limit` open streams per key.
 *
 * @example
 * ```ts
 * const limiter = createStreamLimiter(4);
 * ```
 */
export const createStreamLimiter = (limit: number): StreamLimiter => {
  const open = new Map<string, number>();
  return {
    limit,
    active: (key) => open.get(key) ?? 0,
    acquire: (key) => {
      const count = open.get(key) ?? 0;
      if (count >= limit) return undefined;
      open.set(key, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(key) ?? 1) - 1;
        if (left === 0) open.delete(key);
        else open.set(key, left);
      };
    },
  };
};
