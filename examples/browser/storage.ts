/**
 * The conversation kept in `localStorage` as `Conversation.toJson`, restored on reload; and,
 * while a reply streams, where it has got to, so that a reload continues it.
 */
import { Conversation, type ReplyCheckpoint } from '../../lib/index.js';

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

/** The `localStorage` key of the reply in flight. */
export const replyKey = 'yqcloud-rx-demo:reply';

/** The reply in flight: the question it answers, and its checkpoint (`RelayProvider.checkpoints$`). */
export interface ReplyInFlight extends ReplyCheckpoint {
  readonly content: string;
}

const isReplyInFlight = (u: unknown): u is ReplyInFlight => {
  if (typeof u !== 'object' || u === null) return false;
  const { content, replyId, lastEventId, text } = u as Partial<Record<keyof ReplyInFlight, unknown>>;
  return [content, replyId, lastEventId, text].every((value) => typeof value === 'string');
};

/**
 * The reply that was streaming when the page went away, if one was.
 *
 * @example
 * ```ts
 * const reply = loadReplyInFlight(localStorage); // ReplyInFlight | undefined
 * ```
 */
export const loadReplyInFlight = (storage: Storage): ReplyInFlight | undefined => {
  try {
    const saved: unknown = JSON.parse(storage.getItem(replyKey) ?? 'null');
    return isReplyInFlight(saved) ? saved : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Saves where the reply in flight has got to.
 *
 * @example
 * ```ts
 * relay.checkpoints$.subscribe((checkpoint) => saveReplyInFlight(localStorage, { content: 'Hi', ...checkpoint }));
 * ```
 */
export const saveReplyInFlight = (storage: Storage, reply: ReplyInFlight): void =>
  storage.setItem(
    replyKey,
    JSON.stringify({
      content: reply.content,
      replyId: reply.replyId,
      lastEventId: reply.lastEventId,
      text: reply.text,
    }),
  );

/**
 * Forgets the reply in flight (it ended).
 *
 * @example
 * ```ts
 * chat.finished$.subscribe(() => clearReplyInFlight(localStorage));
 * ```
 */
export const clearReplyInFlight = (storage: Storage): void => storage.removeItem(replyKey);
