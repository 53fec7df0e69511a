/**
 * The readers of the Redis reply log of one process, multiplexed over one connection: a single
 * loop of `XREAD BLOCK` over the streams of every reply being followed here (each from the
 * earliest position among its readers), whose entries go to each reader after its own position,
 * so each gets every entry once, in order. A reader that attaches while the loop is blocked
 * wakes it (`CLIENT UNBLOCK`), so it is read from at once. A reply none of whose entries came
 * for a whole block is checked (is its producer still there?) on the store's ordinary client.
 * However many readers, this holds one connection besides the store's own; it is opened with
 * the first reader and closed with the last.
 *
 * @module
 */
import type { Redis } from 'ioredis';
import { entryOfFields } from './replyEntryFields.js';
import { storeUnavailable } from './replyErrors.js';
import { entryIdAfter } from './replyId.js';
import { isEnding, type LoggedEntry } from './replyLog.js';

/**
 * One reader: where it is, and where its entries go.
 */
export interface Follower {
  /** The id of the last entry it got (`'0-0'`: none). */
  last: string;
  readonly next: (logged: LoggedEntry) => void;
  readonly complete: () => void;
}

/**
 * What a reply's readers learn when its stream has been quiet for a block: `alive` (wait on),
 * `ended` (its ending is in the stream, read next), `gone` (expired: readers end with the store
 * error).
 */
export type ProducerCheck = (replyId: string) => Promise<'alive' | 'ended' | 'gone'>;

/**
 * The shared readers of one process.
 *
 * @example
 * ```ts
 * declare const client: import('ioredis').Redis; // the store's connected client
 * const checkProducer: ProducerCheck = async () => 'alive';
 * const followers = createRedisFollowers(client, { blockMs: 1000, commandTimeoutMs: 2000, checkProducer, failed: () => {} });
 * const stop = followers.add('yqrx:reply:{id}:log', 'id', { last: '0-0', next: console.log, complete: () => {} });
 * stop(); // this reader leaves
 * ```
 */
export interface RedisFollowers {
  /** Adds a reader of the stream `key` (the reply `replyId`); returns how it leaves. */
  readonly add: (key: string, replyId: string, follower: Follower) => () => void;
  /** Ends every reader with the store error and closes the connection. */
  readonly close: () => void;
}

interface Group {
  readonly replyId: string;
  readonly followers: Set<Follower>;
  /** When an entry last came, or its producer was last checked. */
  heard: number;
  checking: boolean;
}

type StreamReply = ReadonlyArray<readonly [string, ReadonlyArray<readonly [string, ReadonlyArray<string>]>]>;

/**
 * The shared readers over a connection duplicated from `client` (its settings: no offline
 * queue, bounded commands).
 */
export const createRedisFollowers = (
  client: Redis,
  options: {
    readonly blockMs: number;
    readonly commandTimeoutMs: number;
    readonly checkProducer: ProducerCheck;
    readonly failed: (error: unknown) => void;
  },
): RedisFollowers => {
  const groups = new Map<string, Group>();
  let loop:
    | { readonly connection: Redis; id: number | undefined; blocked: boolean; round: number; woken: number }
    | undefined;

  const end = (group: Group, follower: Follower, logged?: LoggedEntry): void => {
    group.followers.delete(follower);
    if (logged !== undefined) follower.next(logged);
    follower.complete();
  };

  /** Every reader ends with the store error (after its last entry). */
  const endAll = (): void => {
    const all = [...groups.values()];
    groups.clear();
    for (const group of all)
      for (const follower of [...group.followers])
        end(group, follower, { id: follower.last, entry: { type: 'error', error: storeUnavailable() } });
  };
  const failAll = (error: unknown): void => {
    options.failed(error);
    endAll();
  };

  /** `entries` of `key`, read after `from`: a reader still before `from` (it came after the read was sent) waits for the next read. */
  const deliver = (
    key: string,
    from: string,
    entries: ReadonlyArray<readonly [string, ReadonlyArray<string>]>,
  ): void => {
    const group = groups.get(key);
    if (group === undefined) return;
    group.heard = Date.now();
    for (const [id, fields] of entries) {
      const entry = entryOfFields(fields);
      for (const follower of [...group.followers]) {
        // A reader may leave while an entry is delivered to another (or to itself).
        if (!group.followers.has(follower) || entryIdAfter(from, follower.last) || !entryIdAfter(id, follower.last))
          continue;
        follower.last = id;
        if (isEnding(entry)) end(group, follower, { id, entry });
        else follower.next({ id, entry });
      }
    }
    if (group.followers.size === 0) groups.delete(key);
  };

  /** Replies quiet for a whole block: is their producer still there? */
  const checkQuiet = (): void => {
    const now = Date.now();
    for (const [key, group] of groups) {
      if (group.checking || now - group.heard < options.blockMs) continue;
      group.checking = true;
      options.checkProducer(group.replyId).then(
        (state) => {
          group.checking = false;
          group.heard = Date.now();
          if (state !== 'gone' || groups.get(key) !== group) return;
          groups.delete(key);
          for (const follower of [...group.followers])
            end(group, follower, { id: follower.last, entry: { type: 'error', error: storeUnavailable() } });
        },
        (e: unknown) => {
          group.checking = false;
          if (groups.get(key) === group) failAll(e);
        },
      );
    }
  };

  const earliest = (group: Group): string => {
    let min: string | undefined;
    for (const { last } of group.followers) if (min === undefined || entryIdAfter(min, last)) min = last;
    return min ?? '0-0';
  };

  const run = async (state: NonNullable<typeof loop>): Promise<void> => {
    await state.connection.connect();
    state.id = Number(await state.connection.client('ID'));
    while (loop === state && groups.size > 0) {
      const keys = [...groups.keys()];
      const ids = keys.map((key) => earliest(groups.get(key) as Group));
      state.blocked = true;
      state.round += 1;
      const answer = (await state.connection.xread(
        'COUNT',
        512,
        'BLOCK',
        options.blockMs,
        'STREAMS',
        ...keys,
        ...ids,
      )) as StreamReply | null;
      state.blocked = false;
      if (loop !== state) return;
      for (const [key, entries] of answer ?? []) deliver(key, ids[keys.indexOf(key)] ?? '0-0', entries);
      checkQuiet();
    }
  };

  const start = (): void => {
    const connection = client.duplicate({ commandTimeout: options.blockMs + options.commandTimeoutMs });
    connection.on('error', () => {});
    const state = { connection, id: undefined as number | undefined, blocked: false, round: 0, woken: 0 };
    loop = state;
    run(state)
      .catch((e: unknown) => {
        if (loop === state) failAll(e);
      })
      .finally(() => {
        if (loop === state) loop = undefined;
        connection.disconnect();
        // A reader that came while this loop was ending starts the next one.
        if (loop === undefined && groups.size > 0) start();
      });
  };

  /**
   * Wakes the loop blocked on the old set of streams, so that it reads the new one. An `XREAD`
   * sent but not yet blocking in Redis is not woken (`CLIENT UNBLOCK` answers 0): tried again a
   * few times, else the new reader waits for the block's end (the ids keep it exact anyway).
   * One wake per blocked round: the readers that attach meanwhile are read from in the next
   * round too, so a flood of them sends no flood of `CLIENT UNBLOCK`.
   */
  const wake = (attempt = 0): void => {
    const state = loop;
    if (state === undefined || !state.blocked || state.id === undefined) return;
    const round = state.round;
    if (attempt === 0) {
      if (state.woken === round) return;
      state.woken = round;
    }
    client.client('UNBLOCK', state.id).then(
      (unblocked) => {
        if (Number(unblocked) === 0 && attempt < 10 && loop === state && state.blocked && state.round === round)
          setTimeout(() => wake(attempt + 1), 5).unref();
      },
      (e: unknown) => options.failed(e),
    );
  };

  return {
    add: (key, replyId, follower) => {
      let group = groups.get(key);
      if (group === undefined) {
        group = { replyId, followers: new Set(), heard: Date.now(), checking: false };
        groups.set(key, group);
      }
      group.followers.add(follower);
      if (loop === undefined) start();
      else wake();
      return () => {
        const current = groups.get(key);
        if (current === undefined) return;
        current.followers.delete(follower);
        if (current.followers.size === 0) groups.delete(key);
      };
    },
    close: () => {
      const state = loop;
      loop = undefined;
      state?.connection.disconnect();
      endAll();
    },
  };
};
