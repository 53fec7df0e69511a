/**
 * Durable replies: each reply the relay produces is written, entry by entry, to a log that any
 * instance can read from any point and follow live to its end. The log is what makes a reply
 * survive a dropped connection (resume after an event id), lets a reply be stopped from any
 * instance, and guarantees that every reader reaches an ending: the last entry of a reply is
 * always `finish`, `error` or `stopped`, written by its producer or, when the producer is gone
 * (its lease expired), by the first reader that notices.
 *
 * Two implementations: {@link createMemoryReplyLog} (one process) and the Redis store's (a
 * Redis Stream per reply). Both keep these rules:
 * - entries get increasing ids (`<ms>-<seq>`, Redis Stream ids); `'0-0'` is before the first;
 * - {@link ReplyLog.follow} emits every entry after the given id exactly once, in order, then
 *   the live ones, and completes after the ending;
 * - a producer's writes are fenced: after its ending, after a stop was honoured, or once its
 *   lease expired, `append` rejects and nothing more is written;
 * - a stop request reaches the producer (its `signal` aborts) wherever it was made;
 * - a reply opened for a chat (`open(owner, { chatId })`) is that chat's active reply for its
 *   owner until its ending is written (or, its producer gone, until its lease expires): the AI
 *   SDK's reconnect names a chat, not a reply. A newer reply of the same chat takes its place.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import type { Conversation } from '../../core/conversation.js';
import type { YqcloudError } from '../../core/error.js';

/**
 * One entry of a reply: a text piece, the conversation, or one of the three endings.
 *
 * @example
 * ```ts
 * const entries: ReadonlyArray<ReplyEntry> = [{ type: 'text', text: 'Hel' }, { type: 'finish' }];
 * ```
 */
export type ReplyEntry =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'conversation'; readonly conversation: Conversation }
  | { readonly type: 'finish'; readonly usage?: ReplyUsage | undefined }
  | { readonly type: 'error'; readonly error: YqcloudError }
  | { readonly type: 'stopped' };

/**
 * The tokens of a reply, as a route estimated them (the service reports none), kept with its
 * `finish` so that a resumed reply ends with the same figures.
 *
 * @example
 * ```ts
 * const usage: ReplyUsage = { inputTokens: 12, outputTokens: 40 };
 * ```
 */
export interface ReplyUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * An entry as the log holds it: its id within the reply and the entry.
 *
 * @example
 * ```ts
 * const logged: LoggedEntry = { id: '1733558400000-0', entry: { type: 'text', text: 'Hi' } };
 * ```
 */
export interface LoggedEntry {
  readonly id: string;
  readonly entry: ReplyEntry;
}

/**
 * Whether an entry ends its reply (`finish`, `error`, `stopped`).
 */
export const isEnding = (entry: ReplyEntry): boolean =>
  entry.type === 'finish' || entry.type === 'error' || entry.type === 'stopped';

/**
 * The id before every entry of a reply: `follow(replyId, startOfReply)` replays it all.
 */
export const startOfReply = '0-0';

/**
 * Why a producer's `signal` aborted: a stop request (from any instance), or its lease lost
 * (not renewed in time, or the store unreachable), after which its writes are refused.
 *
 * @example
 * ```ts
 * const reason: ProducerAbortReason = 'stop-requested';
 * ```
 */
export type ProducerAbortReason = 'stop-requested' | 'lease-lost';

/**
 * The writing side of one reply, held by the instance that produces it. Its lease is renewed
 * while it is open; `close()` stops the renewals (an ending should have been appended first:
 * a reply closed without one is ended by its readers as lost, once the lease expires).
 *
 * @example
 * ```ts
 * const log = createMemoryReplyLog();
 * const producer = await log.open('alice');
 * await producer.append({ type: 'text', text: 'Hi' });
 * await producer.append({ type: 'finish' });
 * await producer.close();
 * ```
 */
export interface ReplyProducer {
  /** The reply's id (random, URL-safe), for `x-reply-id`, `Last-Event-ID` and `?reply=`. */
  readonly replyId: string;
  /** Writes an entry; resolves with its id. Rejects when the write is fenced (see the module). */
  readonly append: (entry: ReplyEntry) => Promise<string>;
  /** Aborts on a stop request or a lost lease; `signal.reason` is a {@link ProducerAbortReason}. */
  readonly signal: AbortSignal;
  /** Stops renewing the lease and watching for stops; the reply's log stays until it expires. */
  readonly close: () => Promise<void>;
}

/**
 * What a reply is opened for.
 *
 * @example
 * ```ts
 * const options: OpenReplyOptions = { chatId: 'hFq3kZ2pT0aB9xYw' };
 * ```
 */
export interface OpenReplyOptions {
  /** The chat (the AI SDK's `Chat` id) whose active reply this one becomes for its owner. */
  readonly chatId?: string | undefined;
}

/**
 * The replies of a server (one process, or a cluster sharing Redis).
 *
 * @example
 * ```ts
 * const log: ReplyLog = createMemoryReplyLog();
 * const producer = await log.open('alice');
 * const replay = await log.follow(producer.replyId, startOfReply); // Observable<LoggedEntry>, or undefined
 * ```
 */
export interface ReplyLog {
  /**
   * Starts a new reply owned by `owner` (an identity `authorize` verified), this instance
   * producing it; with `chatId`, it becomes that chat's active reply for `owner` (see
   * {@link ReplyLog.activeReply}).
   */
  readonly open: (owner: string, options?: OpenReplyOptions) => Promise<ReplyProducer>;
  /**
   * The reply being produced for `owner`'s chat `chatId`, or `undefined` when there is none (none
   * was opened for it, it has ended, its producer's lease expired, or the chat is another
   * owner's: the lookup is keyed by the owner, so one client never learns of another's chats).
   * Rejects when the store cannot be reached.
   */
  readonly activeReply: (owner: string, chatId: string) => Promise<string | undefined>;
  /** The owner of a reply, or `undefined` when it is unknown or expired. */
  readonly ownerOf: (replyId: string) => Promise<string | undefined>;
  /**
   * The entries after `afterId`, then the live ones up to and including the ending; `undefined`
   * when the reply is unknown, expired, or no longer holds the entries after `afterId`.
   */
  readonly follow: (replyId: string, afterId: string) => Promise<Observable<LoggedEntry> | undefined>;
  /** Asks the producer, wherever it runs, to stop; `false` when the reply is unknown or already ended. */
  readonly requestStop: (replyId: string) => Promise<boolean>;
  /** Frees what the log holds in this process (timers, connections). */
  readonly close: () => Promise<void>;
}

/**
 * How long a reply lives and how large it may grow.
 *
 * @example
 * ```ts
 * const options: ReplyLogOptions = { producerTtlMs: 10_000, endedTtlMs: 300_000 };
 * ```
 */
export interface ReplyLogOptions {
  /** A producer not heard from for this long is taken as dead (default 10 000 ms, at most 30 000). */
  readonly producerTtlMs?: number | undefined;
  /** How long an ended reply can still be replayed (default 300 000 ms). */
  readonly endedTtlMs?: number | undefined;
  /** Entries one reply may hold (default 100 000): past it the producer's writes are refused. */
  readonly maxEntries?: number | undefined;
}

/**
 * The defaults of {@link ReplyLogOptions}.
 */
export const replyLogDefaults = { producerTtlMs: 10_000, endedTtlMs: 300_000, maxEntries: 100_000 } as const;

/**
 * The options with their defaults, the producer's TTL kept between 1 s and 30 s.
 */
export const replyLogSettings = (
  options: ReplyLogOptions = {},
): Required<{ [K in keyof ReplyLogOptions]: number }> => ({
  producerTtlMs: Math.min(30_000, Math.max(1000, options.producerTtlMs ?? replyLogDefaults.producerTtlMs)),
  endedTtlMs: Math.max(1000, options.endedTtlMs ?? replyLogDefaults.endedTtlMs),
  maxEntries: Math.max(2, options.maxEntries ?? replyLogDefaults.maxEntries),
});
