/**
 * Requests per minute per client: the other limit a store keeps besides stream leases.
 *
 * @module
 */

/**
 * Whether a request may go on, and if not, when the client may try again.
 *
 * @example
 * ```ts
 * const decision: RateDecision = { allowed: false, retryAfterMs: 12_000 };
 * ```
 */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * Counts requests per client key in a sliding minute (rate-limiter-flexible's fixed windows of
 * 60 s, one per key).
 *
 * @example
 * ```ts
 * const rate: RequestRate = createMemoryRequestRate();
 * const decision = await rate.consume('client:alice', 60); // 60 requests a minute
 * if (!decision.allowed) console.log(`retry after ${decision.retryAfterMs} ms`);
 * ```
 */
export interface RequestRate {
  /** Counts one request of `key` against `perMinute`, and says whether it may go on. */
  readonly consume: (key: string, perMinute: number) => Promise<RateDecision>;
}

/**
 * What rate-limiter-flexible rejects with when the limit is reached (`RateLimiterRes`).
 */
export const decisionOfRejection = (rejection: unknown): RateDecision | undefined =>
  typeof rejection === 'object' &&
  rejection !== null &&
  !(rejection instanceof Error) &&
  typeof (rejection as { readonly msBeforeNext?: unknown }).msBeforeNext === 'number'
    ? {
        allowed: false,
        retryAfterMs: Math.max(0, Math.ceil((rejection as { readonly msBeforeNext: number }).msBeforeNext)),
      }
    : undefined;

/** What {@link requestRateOf} needs of a rate-limiter-flexible limiter. */
interface Consumer {
  readonly consume: (key: string) => Promise<unknown>;
}

/**
 * A {@link RequestRate} from one rate-limiter-flexible limiter per limit (made on first use):
 * allowed when it consumes, refused with its `msBeforeNext` when it rejects with a result; any
 * other rejection (the store failed) is passed on.
 */
export const requestRateOf = (make: (perMinute: number) => Promise<Consumer>): RequestRate => {
  const limiters = new Map<number, Promise<Consumer>>();
  return {
    consume: async (key, perMinute): Promise<RateDecision> => {
      const points = Math.max(1, Math.floor(perMinute));
      let limiter = limiters.get(points);
      if (limiter === undefined) {
        limiter = make(points);
        limiters.set(points, limiter);
      }
      try {
        await (await limiter).consume(key);
        return { allowed: true };
      } catch (rejection) {
        const decision = decisionOfRejection(rejection);
        if (decision === undefined) throw rejection instanceof Error ? rejection : new Error('the rate limiter failed');
        return decision;
      }
    },
  };
};
