/**
 * The {@link ReplyLog} on Redis: one Redis Stream per reply (its entries, `XADD` with a
 * `MAXLEN` bound, an expiry refreshed while it lives and set once it ended), a hash with its
 * owner and state, and its producer's lease (a key with a TTL renewed by the producer). Readers
 * replay and follow with `XREAD BLOCK` from the id they were given, so a reader cannot miss an
 * entry written while it attaches, and there is no handshake with the producer to time out; the
 * readers of one process share one blocking connection (`redisFollowers.ts`). A reader that
 * finds the producer's lease gone writes the `error` ending itself (once: a script
 * checks that the reply has not ended and the lease is still gone). A stop is recorded in the
 * hash and published; the producer hears it at once through its subscription, or at its next
 * heartbeat if the message was lost. A reply opened for a chat is that chat's active reply
 * through a key of its own (`chat:<sha256 of owner and chat id>` → reply id), set with the
 * producer's TTL, renewed with its heartbeat, deleted with its ending (if it still names it).
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Observable } from '#rx';
import { entryFields, entryOfFields } from './replyEntryFields.js';
import { createRedisFollowers } from './redisFollowers.js';
import { producerLost, ReplyWriteRefused, type WriteRefusal } from './replyErrors.js';
import { newReplyId } from './replyId.js';
import {
  isEnding,
  replyLogSettings,
  type LoggedEntry,
  type OpenReplyOptions,
  type ReplyLog,
  type ReplyLogOptions,
  type ReplyProducer,
} from './replyLog.js';
import { scriptCaller } from './redisScriptCaller.js';
import { redisScripts } from './redisScripts.js';

const { appendEntry, clearActiveReply, endLostReply, openReply, renewActiveReply, renewProducer, requestStop } =
  redisScripts;

/**
 * Options of the Redis reply log.
 *
 * @example
 * ```ts
 * const options: RedisReplyLogOptions = { prefix: 'chat:', producerTtlMs: 10_000 };
 * ```
 */
export interface RedisReplyLogOptions extends ReplyLogOptions {
  /** Prefix of every key and channel (default `yqrx:`). */
  readonly prefix?: string | undefined;
  /** Longest wait of one `XREAD BLOCK` (default 1 000 ms): how often a reader checks the producer. */
  readonly blockMs?: number | undefined;
  /** Milliseconds to wait for a command's answer (default 2 000). */
  readonly commandTimeoutMs?: number | undefined;
}

/**
 * What the log tells its store: a command failed because Redis could not be reached.
 */
export interface RedisHealth {
  readonly failed: (error: unknown) => void;
}

const refusalOf = (error: unknown): WriteRefusal | undefined => {
  const match = error instanceof Error ? /^YQRX (ended|lease-lost|full)$/.exec(error.message) : null;
  return (match?.[1] as WriteRefusal | undefined) ?? undefined;
};

/**
 * A reply log on `client` (connected, or reconnecting: commands fail fast while it is down).
 * Readers share one connection of their own (`client.duplicate()`), as `XREAD BLOCK` holds one.
 */
export const createRedisReplyLog = (client: Redis, options: RedisReplyLogOptions, health: RedisHealth): ReplyLog => {
  const settings = replyLogSettings(options);
  const prefix = options.prefix ?? 'yqrx:';
  const blockMs = Math.max(10, options.blockMs ?? 1000);
  const commandTimeoutMs = options.commandTimeoutMs ?? 2000;
  const channel = `${prefix}reply-stop`;
  const keysOf = (replyId: string) => {
    const base = `${prefix}reply:{${replyId}}`;
    return { log: `${base}:log`, meta: `${base}:meta`, producer: `${base}:producer` };
  };
  /** Hashed, so that neither an owner nor a chat id can reach into another's key. */
  const activeKeyOf = (owner: string, chatId: string): string =>
    `${prefix}chat:${createHash('sha256')
      .update(JSON.stringify([owner, chatId]))
      .digest('base64url')}`;
  const renewActive$ = scriptCaller(client, renewActiveReply);
  const clearActive$ = scriptCaller(client, clearActiveReply);
  const open$ = scriptCaller(client, openReply);
  const append$ = scriptCaller(client, appendEntry);
  const renew$ = scriptCaller(client, renewProducer);
  const stop$ = scriptCaller(client, requestStop);
  const endLost$ = scriptCaller(client, endLostReply);

  const producers = new Map<string, { readonly controller: AbortController; readonly close: () => Promise<void> }>();
  let subscriber: Promise<Redis> | undefined;

  /** One subscription per process to the stop channel, made on the first reply produced here. */
  const listenForStops = (): Promise<unknown> => {
    if (subscriber !== undefined) return subscriber.catch(() => undefined);
    const connection = client.duplicate();
    connection.on('error', () => {});
    connection.on('message', (_channel: string, replyId: string) =>
      producers.get(replyId)?.controller.abort('stop-requested'),
    );
    subscriber = connection
      .connect()
      .then(() => connection.subscribe(channel))
      .then(() => connection);
    return subscriber.catch(() => {
      // Not reachable now: the next reply tries again; meanwhile the heartbeat sees stops.
      connection.disconnect();
      subscriber = undefined;
    });
  };

  const open = async (owner: string, openOptions: OpenReplyOptions = {}): Promise<ReplyProducer> => {
    const replyId = newReplyId();
    const keys = keysOf(replyId);
    const active = openOptions.chatId === undefined ? undefined : activeKeyOf(owner, openOptions.chatId);
    const token = randomBytes(12).toString('base64url');
    try {
      await open$([keys.meta, keys.producer], [owner, token, settings.producerTtlMs, settings.endedTtlMs]);
      if (active !== undefined) await client.set(active, replyId, 'PX', settings.producerTtlMs);
    } catch (e) {
      health.failed(e);
      throw new ReplyWriteRefused('unavailable');
    }
    await listenForStops();
    const controller = new AbortController();
    let lastRenewal = Date.now();
    let ended = false;
    const heartbeat = setInterval(
      () => {
        if (active !== undefined)
          renewActive$([active], [replyId, settings.producerTtlMs]).catch((e: unknown) => health.failed(e));
        renew$([keys.producer, keys.meta, keys.log], [token, settings.producerTtlMs, settings.endedTtlMs]).then(
          (answer) => {
            lastRenewal = Date.now();
            if (answer === 0) controller.abort('lease-lost');
            else if (answer === 2) controller.abort('stop-requested');
          },
          (e: unknown) => {
            health.failed(e);
            if (Date.now() - lastRenewal >= settings.producerTtlMs) controller.abort('lease-lost');
          },
        );
      },
      Math.floor(settings.producerTtlMs / 3),
    );
    heartbeat.unref();
    const clearActive = async (): Promise<void> => {
      if (active !== undefined) await clearActive$([active], [replyId]).catch((e: unknown) => health.failed(e));
    };
    const close = async (): Promise<void> => {
      clearInterval(heartbeat);
      if (!producers.delete(replyId) || ended) return;
      // Closed without an ending: the lease is dropped so that readers end the reply at once.
      await client.del(keys.producer).catch((e: unknown) => health.failed(e));
      await clearActive();
    };
    producers.set(replyId, { controller, close });
    return {
      replyId,
      signal: controller.signal,
      append: async (entry) => {
        if (ended) throw new ReplyWriteRefused('ended');
        const [type, data] = entryFields(entry);
        const ending = isEnding(entry);
        try {
          const id = String(
            await append$(
              [keys.log, keys.meta, keys.producer],
              [token, type, data, settings.maxEntries, settings.endedTtlMs, ending ? '1' : '0'],
            ),
          );
          if (ending) {
            ended = true;
            await close();
            await clearActive();
          }
          return id;
        } catch (e) {
          const refusal = refusalOf(e);
          if (refusal === undefined) health.failed(e);
          throw new ReplyWriteRefused(refusal ?? 'unavailable');
        }
      },
      close,
    };
  };

  /** Called when a reader waited a whole block for nothing: is the producer still there? */
  const checkProducer = async (replyId: string): Promise<'alive' | 'ended' | 'gone'> => {
    const keys = keysOf(replyId);
    if ((await client.exists(keys.producer)) === 1) return 'alive';
    const entries = (await client.xrange(keys.log, '-', '+')) as ReadonlyArray<
      readonly [string, ReadonlyArray<string>]
    >;
    let text = '';
    for (const [, fields] of entries) {
      const entry = entryOfFields(fields);
      if (entry.type === 'text') text += entry.text;
    }
    const [type, data] = entryFields({ type: 'error', error: producerLost(text) });
    const written = await endLost$(
      [keys.log, keys.meta, keys.producer],
      [type, data, settings.maxEntries, settings.endedTtlMs],
    );
    if (written !== 0) return 'ended';
    return (await client.exists(keys.meta)) === 1 ? 'ended' : 'gone';
  };

  const followers = createRedisFollowers(client, {
    blockMs,
    commandTimeoutMs,
    checkProducer,
    failed: (e) => health.failed(e),
  });

  const follow = async (replyId: string, afterId: string): Promise<Observable<LoggedEntry> | undefined> => {
    const keys = keysOf(replyId);
    let owner: string | null;
    try {
      owner = await client.hget(keys.meta, 'owner');
    } catch (e) {
      health.failed(e);
      throw e;
    }
    if (owner === null) return undefined;
    return new Observable<LoggedEntry>((subscriber) =>
      followers.add(keys.log, replyId, {
        last: afterId,
        next: (logged) => subscriber.next(logged),
        complete: () => subscriber.complete(),
      }),
    );
  };

  return {
    open,
    follow,
    activeReply: async (owner, chatId) => {
      try {
        const replyId = await client.get(activeKeyOf(owner, chatId));
        if (replyId === null) return undefined;
        // The key is deleted just after the ending is written: a reply that has ended is none.
        const [holder, ended] = await client.hmget(keysOf(replyId).meta, 'owner', 'ended');
        return holder === owner && ended === null ? replyId : undefined;
      } catch (e) {
        health.failed(e);
        throw e;
      }
    },
    ownerOf: async (replyId) => {
      try {
        return (await client.hget(keysOf(replyId).meta, 'owner')) ?? undefined;
      } catch (e) {
        health.failed(e);
        throw e;
      }
    },
    requestStop: async (replyId) => {
      try {
        return (await stop$([keysOf(replyId).meta], [channel, replyId])) === 1;
      } catch (e) {
        health.failed(e);
        throw e;
      }
    },
    close: async () => {
      for (const producer of [...producers.values()]) {
        producer.controller.abort('lease-lost');
        await producer.close();
      }
      followers.close();
      const pending = subscriber;
      subscriber = undefined;
      if (pending !== undefined) (await pending.catch(() => undefined))?.disconnect();
    },
  };
};
