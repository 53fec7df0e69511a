/**
 * {@link RequestRate} in this process: rate-limiter-flexible's memory limiter, loaded on the
 * first request it counts.
 *
 * @module
 */
import type { RateLimiterMemory } from 'rate-limiter-flexible';
import { decisionOfRejection, type RateDecision, type RequestRate } from './requestRate.js';

/**
 * Requests per minute counted in this process (each instance counts its own).
 *
 * @example
 * ```ts
 * const rate = createMemoryRequestRate();
 * await rate.consume('client:alice', 2); // { allowed: true }
 * ```
 */
export const createMemoryRequestRate = (): RequestRate => {
  const limiters = new Map<number, Promise<RateLimiterMemory>>();
  const limiterFor = (perMinute: number): Promise<RateLimiterMemory> => {
    let limiter = limiters.get(perMinute);
    if (limiter === undefined) {
      limiter = import('rate-limiter-flexible').then(
        ({ RateLimiterMemory }) => new RateLimiterMemory({ points: perMinute, duration: 60 }),
      );
      limiters.set(perMinute, limiter);
    }
    return limiter;
  };
  return {
    consume: async (key, perMinute): Promise<RateDecision> => {
      try {
        await (await limiterFor(Math.max(1, Math.floor(perMinute)))).consume(key);
        return { allowed: true };
      } catch (rejection) {
        const decision = decisionOfRejection(rejection);
        if (decision === undefined) throw rejection;
        return decision;
      }
    },
  };
};
