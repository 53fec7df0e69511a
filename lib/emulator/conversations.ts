/**
 * The emulator's memory of conversations: per `userId`, the turns so far, bounded by a count
 * of conversations and by characters (a conversation keeps its most recent turns within
 * `maxCharsPerConversation`; past `maxChars` in all, the least recently used are dropped).
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
  /** Adds a turn to a conversation, dropping the least recently used one past the bound. */
  readonly append: (userId: string, turn: Turn) => void;
  /** The conversations kept, least recently used first. */
  readonly userIds: () => ReadonlyArray<string>;
}

/**
 * How much a conversation store keeps, in characters (default: 256 Ki per conversation, 16 Mi
 * in all).
 *
 * @example
 * ```ts
 * const bounds: ConversationBounds = { maxCharsPerConversation: 65_536, maxChars: 4_194_304 };
 * ```
 */
export interface ConversationBounds {
  readonly maxCharsPerConversation?: number | undefined;
  readonly maxChars?: number | undefined;
}

const sizeOf = (turn: Turn): number => turn.prompt.length + turn.reply.length;

/**
 * A store keeping at most `maxConversations` conversations, and at most the characters of
 * `bounds`: a turn longer than a conversation's bound is kept cut to it.
 *
 * @example
 * ```ts
 * const store = createConversationStore(1000, { maxChars: 8 * 1024 * 1024 });
 * ```
 */
export const createConversationStore = (
  maxConversations: number,
  bounds: ConversationBounds = {},
): ConversationStore => {
  const perConversation = Math.max(2, bounds.maxCharsPerConversation ?? 256 * 1024);
  const inAll = Math.max(perConversation, bounds.maxChars ?? 16 * 1024 * 1024);
  const byUser = new Map<string, { readonly turns: ReadonlyArray<Turn>; readonly chars: number }>();
  let total = 0;
  const touch = (userId: string): ReadonlyArray<Turn> => {
    const entry = byUser.get(userId);
    if (entry === undefined) return [];
    byUser.delete(userId);
    byUser.set(userId, entry);
    return entry.turns;
  };
  const drop = (userId: string): void => {
    total -= byUser.get(userId)?.chars ?? 0;
    byUser.delete(userId);
  };
  const cut = (turn: Turn): Turn => {
    const half = Math.floor(perConversation / 2);
    return sizeOf(turn) <= perConversation
      ? turn
      : { prompt: turn.prompt.slice(0, half), reply: turn.reply.slice(0, half) };
  };
  return {
    turns: (userId) => touch(userId),
    append: (userId, turn) => {
      const turns = [...touch(userId), cut(turn)];
      let chars = turns.reduce((sum, t) => sum + sizeOf(t), 0);
      while (chars > perConversation && turns.length > 1) chars -= sizeOf(turns.shift() as Turn);
      drop(userId);
      byUser.set(userId, { turns, chars });
      total += chars;
      while (byUser.size > maxConversations || total > inAll) {
        const oldest = byUser.keys().next();
        if (oldest.done === true || oldest.value === userId) break;
        drop(oldest.value);
      }
    },
    userIds: () => [...byUser.keys()],
  };
};
