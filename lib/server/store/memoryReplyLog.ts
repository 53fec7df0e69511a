/**
 * The {@link ReplyLog} of one process: each reply's entries in memory, followed by readers of
 * the same process. Same rules as the Redis log (see `replyLog.ts`); a producer lives as long
 * as the process, so a reply closed without its ending is ended at once as lost.
 *
 * @module
 */
import { Observable } from '#rx';
import { producerLost } from './replyErrors.js';
import { ReplyWriteRefused } from './replyErrors.js';
import { newReplyId } from './replyId.js';
import { entryIdAfter } from './replyId.js';
import {
  isEnding,
  replyLogSettings,
  type LoggedEntry,
  type OpenReplyOptions,
  type ReplyEntry,
  type ReplyLog,
  type ReplyLogOptions,
  type ReplyProducer,
} from './replyLog.js';

/**
 * Options of the memory log: {@link ReplyLogOptions}, how many replies it keeps, and its clock.
 *
 * @example
 * ```ts
 * const options: MemoryReplyLogOptions = { maxReplies: 1000, endedTtlMs: 60_000 };
 * ```
 */
export interface MemoryReplyLogOptions extends ReplyLogOptions {
  /** Ended replies kept at most (default 10 000); past it the oldest ended one is forgotten. */
  readonly maxReplies?: number | undefined;
  /**
   * Characters of text kept over all replies (default 64 Mi); past it the oldest ended replies
   * are forgotten, and a live reply whose entry would pass it is refused the write (`full`).
   */
  readonly maxKeptChars?: number | undefined;
  /** The clock, in epoch milliseconds (default `Date.now`). */
  readonly now?: (() => number) | undefined;
}

interface Reply {
  readonly owner: string;
  /** Its key in the chats' active replies, when it was opened for a chat. */
  readonly chatKey: string | undefined;
  readonly entries: LoggedEntry[];
  readonly readers: Set<(logged: LoggedEntry) => void>;
  readonly controller: AbortController;
  text: string;
  chars: number;
  ended: boolean;
  expiresAt: number;
}

/**
 * A reply log in this process's memory.
 *
 * @example
 * ```ts
 * const log = createMemoryReplyLog({ endedTtlMs: 60_000 });
 * const producer = await log.open('alice');
 * (await log.follow(producer.replyId, '0-0'))?.subscribe(({ id, entry }) => console.log(id, entry.type));
 * await producer.append({ type: 'text', text: 'Hi' }); // logs '0-1 text'
 * ```
 */
export const createMemoryReplyLog = (options: MemoryReplyLogOptions = {}): ReplyLog => {
  const settings = replyLogSettings(options);
  const now = options.now ?? Date.now;
  const maxReplies = Math.max(1, options.maxReplies ?? 10_000);
  const maxKeptChars = Math.max(1, options.maxKeptChars ?? 64 * 1024 * 1024);
  const replies = new Map<string, Reply>();
  /** Each owner's chats' active replies: `[owner, chatId]` as JSON → reply id, until the ending. */
  const activeReplies = new Map<string, string>();
  const chatKeyOf = (owner: string, chatId: string): string => JSON.stringify([owner, chatId]);
  let keptChars = 0;
  const forget = (replyId: string, reply: Reply): void => {
    replies.delete(replyId);
    keptChars -= reply.chars;
  };

  const live = (replyId: string): Reply | undefined => {
    const reply = replies.get(replyId);
    if (reply === undefined) return undefined;
    if (!reply.ended || reply.expiresAt > now()) return reply;
    forget(replyId, reply);
    return undefined;
  };

  const forgetEnded = (incomingChars = 0): void => {
    for (const [id, reply] of replies) if (reply.ended && reply.expiresAt <= now()) forget(id, reply);
    // Oldest first (the map's order): only ended replies are forgotten, a live one is never cut.
    for (const [id, reply] of replies) {
      if (replies.size <= maxReplies && keptChars + incomingChars <= maxKeptChars) break;
      if (reply.ended) forget(id, reply);
    }
  };

  const write = (replyId: string, reply: Reply, entry: ReplyEntry): string => {
    const logged: LoggedEntry = { id: `0-${reply.entries.length + 1}`, entry };
    reply.entries.push(logged);
    if (entry.type === 'text') {
      reply.text += entry.text;
      reply.chars += entry.text.length;
      keptChars += entry.text.length;
    }
    if (isEnding(entry)) {
      reply.ended = true;
      reply.expiresAt = now() + settings.endedTtlMs;
      reply.text = '';
      if (reply.chatKey !== undefined && activeReplies.get(reply.chatKey) === replyId)
        activeReplies.delete(reply.chatKey);
    }
    for (const reader of [...reply.readers]) reader(logged);
    return logged.id;
  };

  const open = async (owner: string, openOptions: OpenReplyOptions = {}): Promise<ReplyProducer> => {
    forgetEnded();
    const replyId = newReplyId();
    const controller = new AbortController();
    const chatKey = openOptions.chatId === undefined ? undefined : chatKeyOf(owner, openOptions.chatId);
    const reply: Reply = {
      owner,
      chatKey,
      entries: [],
      readers: new Set(),
      controller,
      text: '',
      chars: 0,
      ended: false,
      expiresAt: Number.POSITIVE_INFINITY,
    };
    replies.set(replyId, reply);
    if (chatKey !== undefined) activeReplies.set(chatKey, replyId);
    let closed = false;
    return {
      replyId,
      signal: controller.signal,
      append: async (entry) => {
        if (reply.ended || closed) throw new ReplyWriteRefused('ended');
        if (!isEnding(entry) && reply.entries.length >= settings.maxEntries - 1) throw new ReplyWriteRefused('full');
        if (entry.type === 'text' && keptChars + entry.text.length > maxKeptChars) {
          forgetEnded(entry.text.length);
          if (keptChars + entry.text.length > maxKeptChars) throw new ReplyWriteRefused('full');
        }
        return write(replyId, reply, entry);
      },
      close: async () => {
        if (closed) return;
        closed = true;
        if (!reply.ended) write(replyId, reply, { type: 'error', error: producerLost(reply.text) });
      },
    };
  };

  const follow = async (replyId: string, afterId: string) => {
    const reply = live(replyId);
    if (reply === undefined) return undefined;
    return new Observable<LoggedEntry>((subscriber) => {
      for (const logged of reply.entries) {
        if (subscriber.closed) return;
        if (entryIdAfter(logged.id, afterId)) subscriber.next(logged);
      }
      if (reply.ended) {
        subscriber.complete();
        return;
      }
      const reader = (logged: LoggedEntry): void => {
        subscriber.next(logged);
        if (isEnding(logged.entry)) subscriber.complete();
      };
      reply.readers.add(reader);
      return () => {
        reply.readers.delete(reader);
      };
    });
  };

  return {
    open,
    follow,
    ownerOf: async (replyId) => live(replyId)?.owner,
    activeReply: async (owner, chatId) => activeReplies.get(chatKeyOf(owner, chatId)),
    requestStop: async (replyId) => {
      const reply = live(replyId);
      if (reply === undefined || reply.ended) return false;
      reply.controller.abort('stop-requested');
      return true;
    },
    close: async () => {
      replies.clear();
      activeReplies.clear();
      keptChars = 0;
    },
  };
};
