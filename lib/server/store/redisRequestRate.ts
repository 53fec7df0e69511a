/**
 * {@link RequestRate} across a cluster: rate-limiter-flexible's Redis limiter (one atomic
 * script per request), loaded with the Redis store.
 *
 * @module
 */
import type { Redis } from 'ioredis';
import type { RateLimiterRedis } from 'rate-limiter-flexible';
import { decisionOfRejection, type RateDecision, type RequestRate } from './requestRate.js';

/**
 * Requests per minute counted in Redis, shared by every instance. Rejects (with the client's
 * error) when Redis cannot be reached; the store decides what to do then.
 *
 * @example
 * ```ts
 * const client = await createRedisClient({ url: 'redis://127.0.0.1:6379' });
 * const rate = createRedisRequestRate(client, 'yqrx:');
 * await rate.consume('client:alice', 60);
 * ```
 */
export const createRedisRequestRate = (client: Redis, prefix: string): RequestRate => {
  const limiters = new Map<number, Promise<RateLimiterRedis>>();
  const limiterFor = (perMinute: number): Promise<RateLimiterRedis> => {
    let limiter = limiters.get(perMinute);
    if (limiter === undefined) {
      limiter = import('rate-limiter-flexible').then(
        ({ RateLimiterRedis }) =>
          new RateLimiterRedis({
            storeClient: client,
            points: perMinute,
            duration: 60,
            keyPrefix: `${prefix}rpm:${perMinute}`,
            rejectIfRedisNotReady: true,
          }),
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
        if (decision === undefined) throw rejection instanceof Error ? rejection : new Error('redis is not ready');
        return decision;
      }
    },
  };
};
