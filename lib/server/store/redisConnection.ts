/**
 * The store's connections to Redis: ioredis loaded only here, on first use (a program that
 * never makes a Redis store loads nothing of it), with every wait bounded, and the store's
 * health (up, down) told once per change to the log, with the URL's credentials left out.
 *
 * @module
 */
import type { Redis, RedisOptions } from 'ioredis';
import { redactText, secretsOfUrl } from '../../core/redact.js';

/**
 * How the store connects to Redis.
 *
 * @example
 * ```ts
 * const options: RedisConnectionOptions = { url: 'redis://127.0.0.1:6379', connectTimeoutMs: 2000 };
 * ```
 */
export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  readonly url: string;
  /** Milliseconds to wait for a connection (default 2 000). */
  readonly connectTimeoutMs?: number | undefined;
  /** Milliseconds to wait for a command's answer (default 2 000). */
  readonly commandTimeoutMs?: number | undefined;
  /** Where the store says it lost Redis or has it back (default: `console.error`). */
  readonly log?: ((line: string) => void) | undefined;
}

/**
 * The URL as it may be printed: scheme, host and port, nothing else.
 */
export const printableRedisUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'redis (an unparseable URL)';
  }
};

/** A connection error's message with the URL's secrets removed. */
const redactRedisError = (url: string, error: unknown): string =>
  redactText(error instanceof Error ? error.message : String(error), secretsOfUrl(url));

/**
 * The connection options: commands fail at once while disconnected (no offline queue), a
 * command in flight when the connection drops fails rather than being sent twice, every connect
 * and command is bounded, and the client reconnects in the background (backoff up to 2 s).
 */
const redisOptions = (options: RedisConnectionOptions): Omit<RedisOptions, 'replyMapping'> => {
  const settings: Omit<RedisOptions, 'replyMapping'> = {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    reconnectOnError: null,
  };
  return settings;
};

/**
 * A new ioredis client (not yet connected), ioredis imported on this first call.
 */
export const createRedisClient = async (options: RedisConnectionOptions): Promise<Redis> => {
  const { Redis } = await import('ioredis');
  return new Redis(options.url, redisOptions(options));
};

/**
 * Whether an error means Redis could not be reached (rather than a refusal from a script).
 */
export const isUnreachable = (error: unknown): boolean =>
  !(error instanceof Error && (error.name === 'ReplyError' || error.message.startsWith('YQRX ')));

/**
 * Tracks whether Redis answers, from the client's events and from failed commands, and logs
 * each change once: lost (with what the store does meanwhile), and back.
 *
 * @example
 * ```ts
 * const options = { url: 'redis://127.0.0.1:6379' };
 * const client = await createRedisClient(options);
 * const health = watchHealth(client, options, 'limits are counted per instance until it is back');
 * health.up(); // true while the client is ready
 * ```
 */
export const watchHealth = (
  client: Redis,
  options: RedisConnectionOptions,
  meanwhile: string,
): { readonly up: () => boolean; readonly failed: (error: unknown) => void; readonly stop: () => void } => {
  const log = options.log ?? ((line: string) => console.error(line));
  const where = printableRedisUrl(options.url);
  let down: boolean | undefined;
  let stopped = false;
  const lost = (error: unknown): void => {
    if (down === true || stopped) return;
    down = true;
    log(`redis: unavailable at ${where} (${redactRedisError(options.url, error)}); ${meanwhile}`);
  };
  client.on('error', lost);
  client.on('close', () => {
    if (down === false) lost(new Error('connection closed'));
  });
  client.on('ready', () => {
    if (down === true && !stopped) log(`redis: available again at ${where}`);
    down = false;
  });
  return {
    up: () => client.status === 'ready',
    failed: (error) => isUnreachable(error) && lost(error),
    stop: () => {
      stopped = true;
    },
  };
};
