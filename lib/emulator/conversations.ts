/**
 * The emulator's memory of conversations: per `userId`, the turns so far, bounded by a count of
 * conversations and by bytes. Each turn keeps an excerpt of its prompt and reply (at most
 * {@link maxTurnChars} characters of each), and past `maxBytes` the least recently used
 * conversations are forgotten (and, for one that alone is too large, its oldest turns), so a
 * client sending huge prompts cannot make the emulator grow without end.
 *
 * @module
 */

/**
 * One exchange the emulator answered.
 *
 * @example
 * ```ts
 * const turn: Turn = { prompt: 'Hi', reply: 'Hello' };
 * ```
 */
export interface Turn {
  readonly prompt: string;
  readonly reply: string;
}

/**
 * A bounded store of conversations.
 *
 * @example
 * ```ts
 * const store = createConversationStore(2);
 * store.append('#/chat/1', { prompt: 'Hi', reply: 'Hello' });
 * store.turns('#/chat/1').length; // 1
 * ```
 */
export interface ConversationStore {
  /** The turns of a conversation (none for an unknown one); marks it as used. */
  readonly turns: (userId: string) => ReadonlyArray<Turn>;
  /** Adds a turn to a conversation, dropping the least recently used ones past the bounds. */
  readonly append: (userId: string, turn: Turn) => void;
  /** The conversations kept, least recently used first. */
  readonly userIds: () => ReadonlyArray<string>;
  /** The memory the kept conversations take, in bytes (two per UTF-16 code unit). */
  readonly bytes: () => number;
}

/**
 * The most characters of a prompt, and of a reply, a remembered turn keeps: its start (the
 * default reply quotes a first prompt's last line, which fits).
 */
export const maxTurnChars = 4096;

/**
 * The default bound on the bytes a store keeps: 8 MiB.
 */
export const defaultMaxConversationBytes = 8 * 1024 * 1024;

/** The excerpt of `text` a turn keeps, cut before a lone high surrogate. */
const excerpt = (text: string): string => {
  if (text.length <= maxTurnChars) return text;
  const cut = /[\uD800-\uDBFF]/.test(text.charAt(maxTurnChars - 1)) ? maxTurnChars - 1 : maxTurnChars;
  return text.slice(0, cut);
};

const turnBytes = (turn: Turn): number => 2 * (turn.prompt.length + turn.reply.length);

/**
 * A store keeping at most `maxConversations` conversations and about `maxBytes` bytes of them.
 *
 * @example
 * ```ts
 * const store = createConversationStore(1000, 4 * 1024 * 1024);
 * ```
 */
export const createConversationStore = (
  maxConversations: number,
  maxBytes: number = defaultMaxConversationBytes,
): ConversationStore => {
  const byUser = new Map<string, { turns: ReadonlyArray<Turn>; bytes: number }>();
  let total = 0;
  const touch = (userId: string): { turns: ReadonlyArray<Turn>; bytes: number } => {
    const entry = byUser.get(userId) ?? { turns: [], bytes: 2 * userId.length };
    byUser.delete(userId);
    byUser.set(userId, entry);
    return entry;
  };
  const forget = (userId: string): void => {
    total -= byUser.get(userId)?.bytes ?? 0;
    byUser.delete(userId);
  };
  return {
    turns: (userId) => (byUser.has(userId) ? touch(userId).turns : []),
    append: (userId, turn) => {
      const kept: Turn = { prompt: excerpt(turn.prompt), reply: excerpt(turn.reply) };
      const known = byUser.has(userId);
      const before = touch(userId);
      const entry = { turns: [...before.turns, kept], bytes: before.bytes + turnBytes(kept) };
      total += entry.bytes - (known ? before.bytes : 0);
      byUser.set(userId, entry);
      while (byUser.size > maxConversations || (total > maxBytes && byUser.size > 1)) {
        const oldest = byUser.keys().next();
        if (oldest.done === true || oldest.value === userId) break;
        forget(oldest.value);
      }
      // One conversation alone past the bound: its oldest turns go (the newest is always kept).
      while (total > maxBytes && entry.turns.length > 1) {
        const [dropped, ...rest] = entry.turns;
        const freed = dropped === undefined ? 0 : turnBytes(dropped);
        entry.turns = rest;
        entry.bytes -= freed;
        total -= freed;
      }
    },
    userIds: () => [...byUser.keys()],
    bytes: () => total,
  };
};
