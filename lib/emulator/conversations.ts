/**
 * The emulator's memory of conversations: per `userId`, the turns so far, bounded by a count
 * of conversations (the least recently used is dropped).
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
 * A store keeping at most `maxConversations` conversations.
 *
 * @example
 * ```ts
 * const store = createConversationStore(1000);
 * ```
 */
export const createConversationStore = (maxConversations: number): ConversationStore => {
  const byUser = new Map<string, ReadonlyArray<Turn>>();
  const touch = (userId: string): ReadonlyArray<Turn> => {
    const turns = byUser.get(userId) ?? [];
    byUser.delete(userId);
    byUser.set(userId, turns);
    return turns;
  };
  return {
    turns: (userId) => (byUser.has(userId) ? touch(userId) : []),
    append: (userId, turn) => {
      byUser.set(userId, [...touch(userId), turn]);
      while (byUser.size > maxConversations) {
        const oldest = byUser.keys().next();
        if (oldest.done === true) break;
        byUser.delete(oldest.value);
      }
    },
    userIds: () => [...byUser.keys()],
  };
};
