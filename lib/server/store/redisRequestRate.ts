/**
 * {@link RequestRate} across a cluster: rate-limiter-flexible's Redis limiter (one atomic
 * script per request), loaded with the Redis store.
 *
 * @module
 */
import type { Redis } from 'ioredis';
import { type RequestRate, requestRateOf } from './requestRate.js';

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
export const createRedisRequestRate = (client: Redis, prefix: string): RequestRate =>
  requestRateOf(async (perMinute) => {
    const { RateLimiterRedis } = await import('rate-limiter-flexible');
    return new RateLimiterRedis({
      storeClient: client,
      points: perMinute,
      duration: 60,
      keyPrefix: `${prefix}rpm:${perMinute}`,
      rejectIfRedisNotReady: true,
    });
  });
