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
  readonly consume: (key: string, perMinute: number) => Promise<RateDecision>;
}

/**
 * What rate-limiter-flexible rejects with when the limit is reached (`RateLimiterRes`).
 *
 * @example
 * ```ts
 * decisionOfRejection({ msBeforeNext: 1200.4 }); // { allowed: false, retryAfterMs: 1201 }
 * decisionOfRejection(new Error('down'));        // undefined
 * ```
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
