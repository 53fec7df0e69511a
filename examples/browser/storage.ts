/**
 * The conversation kept in `localStorage` as `Conversation.toJson`, restored on reload.
 */
import { Conversation } from '../../lib/index.js';

/** The `localStorage` key of the demo's conversation. */
export const storageKey = 'yqcloud-rx-demo:conversation';

/**
 * The saved conversation, if there is one and it still decodes.
 *
 * @example
 * ```ts
 * const conversation = loadConversation(localStorage); // Conversation | undefined
 * ```
 */
export const loadConversation = (storage: Storage): Conversation | undefined => {
  const saved = storage.getItem(storageKey);
  if (saved === null) return undefined;
  try {
    const decoded = Conversation.fromJson(JSON.parse(saved));
    return decoded._tag === 'Right' ? decoded.right : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Saves a conversation with gpt4free's field names.
 *
 * @example
 * ```ts
 * saveConversation(localStorage, chat.conversation());
 * ```
 */
export const saveConversation = (storage: Storage, conversation: Conversation): void =>
  storage.setItem(storageKey, JSON.stringify(Conversation.toJson(conversation)));
