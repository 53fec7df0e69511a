/**
 * A Lua script as a function of its keys and arguments, sent with `EVALSHA` (ioredis falls back
 * to `EVAL` when the server does not know it yet, as after a restart).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Calls one script: its keys, then its arguments.
 */
export type ScriptCall = (keys: ReadonlyArray<string>, args: ReadonlyArray<string | number>) => Promise<unknown>;

/**
 * Defines `lua` on `client` (under a name made from its hash) and returns the caller.
 *
 * @example
 * ```ts
 * const client = await createRedisClient({ url: 'redis://127.0.0.1:6379' });
 * const renew = scriptCaller(client, redisScripts.renewLease);
 * await renew(['leases:alice'], ['a-lease-id', 10_000]); // 1 or 0
 * ```
 */
export const scriptCaller = (client: Redis, lua: string): ScriptCall => {
  const name = `yqrx${createHash('sha1').update(lua).digest('hex').slice(0, 12)}`;
  if (!(name in client)) client.defineCommand(name, { lua });
  const command = (client as unknown as Record<string, (...args: ReadonlyArray<string | number>) => Promise<unknown>>)[
    name
  ];
  return (keys, args) => {
    if (command === undefined) return Promise.reject(new Error(`script ${name} is not defined`));
    return command.call(client, keys.length, ...keys, ...args);
  };
};
