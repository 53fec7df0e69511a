/**
 * The chat session: reactive state for chat UIs.
 *
 * @example
 * ```ts
 * import { createChatSession } from 'yqcloud-rx';
 * const chat = createChatSession(provider);
 * ```
 *
 * @module
 */
export { createChatSession } from './chatSession.js';
export type { AdoptedReply, ChatSession, ChatSessionOptions, ChatProvider } from './chatSession.js';
export { initialState, reduce, replyEnd, toChatState } from './chatState.js';
export type { ChatState, ReplyEnd, SessionState, SessionEvent } from './chatState.js';
