/**
 * {@link RequestRate} in this process: rate-limiter-flexible's memory limiter, loaded on the
 * first request it counts.
 *
 * @module
 */
import { type RequestRate, requestRateOf } from './requestRate.js';

/**
 * Requests per minute counted in this process (each instance counts its own).
 */
export const createMemoryRequestRate = (): RequestRate =>
  requestRateOf(async (perMinute) => {
    const { RateLimiterMemory } = await import('rate-limiter-flexible');
    return new RateLimiterMemory({ points: perMinute, duration: 60 });
  });
