/**
 * The state a chat UI binds to, and the pure reducer that derives it from session events.
 *
 * @module
 */
import { appendHistory, type Conversation } from '../core/conversation.js';
import type { Chunk } from '../core/chunk.js';
import type { YqcloudError } from '../core/error.js';
import type { Message } from '../core/message.js';

/**
 * What a chat UI shows: the turns so far, the reply streaming in, and the status.
 *
 * @example
 * ```ts
 * chat.state$.subscribe((state: ChatState) => render(state.messages, state.pending, state.status));
 * ```
 */
export interface ChatState {
  /** The finished turns (a stopped or failed reply's partial text is kept as its assistant turn). */
  readonly messages: ReadonlyArray<Message>;
  /** The text of the reply streaming in now (empty when idle). */
  readonly pending: string;
  readonly status: 'idle' | 'streaming' | 'error';
  /** The last failure, while `status` is `error`. */
  readonly error?: YqcloudError;
}

/**
 * The state the session keeps: what the UI sees, plus the conversation to continue.
 *
 * @example
 * ```ts
 * const state: SessionState = initialState(Conversation.make('gpt-4'));
 * ```
 */
export interface SessionState extends ChatState {
  /** The conversation after the last finished (or stopped) turn. */
  readonly conversation: Conversation;
  /** The conversation the reply in flight continues, with its user message. */
  readonly turn: { readonly base: Conversation; readonly user: Message } | undefined;
}

/**
 * What happens in a session.
 *
 * @example
 * ```ts
 * const event: SessionEvent = { type: 'send', content: 'Hi' };
 * ```
 */
export type SessionEvent =
  | { readonly type: 'send'; readonly content: string }
  | { readonly type: 'stop' }
  | { readonly type: 'chunk'; readonly chunk: Chunk }
  | { readonly type: 'error'; readonly error: YqcloudError }
  | { readonly type: 'complete' };

/**
 * The state of a new session on a conversation: its history shown as messages, nothing pending.
 *
 * @example
 * ```ts
 * initialState(Conversation.make('gpt-4')).status; // 'idle'
 * ```
 */
export const initialState = (conversation: Conversation): SessionState => ({
  messages: conversation.messageHistory,
  pending: '',
  status: 'idle',
  conversation,
  turn: undefined,
});

const assistant = (content: string): Message => ({ role: 'assistant', content });

/** Ends the turn in flight, keeping whatever text arrived as the assistant's turn. */
const settle = (state: SessionState, status: 'idle' | 'error', error?: YqcloudError): SessionState => {
  if (state.turn === undefined) return state;
  const kept = state.pending === '' ? [] : [assistant(state.pending)];
  const withUser = appendHistory(state.turn.user)(state.turn.base);
  return {
    messages: [...state.messages, ...kept],
    pending: '',
    status,
    ...(error === undefined ? {} : { error }),
    conversation: kept.length === 0 ? withUser : appendHistory(assistant(state.pending))(withUser),
    turn: undefined,
  };
};

/**
 * The next state after an event (pure: the given state is never changed).
 *
 * @example
 * ```ts
 * reduce(initialState(conversation), { type: 'send', content: 'Hi' }).status; // 'streaming'
 * ```
 */
export const reduce = (state: SessionState, event: SessionEvent): SessionState => {
  switch (event.type) {
    case 'send': {
      const settled = settle(state, 'idle');
      const user: Message = { role: 'user', content: event.content };
      return {
        messages: [...settled.messages, user],
        pending: '',
        status: 'streaming',
        conversation: settled.conversation,
        turn: { base: settled.conversation, user },
      };
    }
    case 'stop':
      return settle(state, 'idle');
    case 'chunk': {
      if (state.turn === undefined) return state;
      const { chunk } = event;
      if (chunk.type === 'text') return { ...state, pending: state.pending + chunk.text };
      if (chunk.type === 'conversation')
        return {
          messages: [...state.messages, assistant(state.pending)],
          pending: '',
          status: 'idle',
          conversation: chunk.conversation,
          turn: undefined,
        };
      return settle(state, 'idle');
    }
    case 'error':
      return state.turn === undefined ? state : settle(state, 'error', event.error);
    case 'complete':
      return settle(state, 'idle');
  }
};

/**
 * The part of the state a UI sees.
 *
 * @example
 * ```ts
 * toChatState(state); // { messages, pending, status, error? }
 * ```
 */
export const toChatState = (state: SessionState): ChatState => ({
  messages: state.messages,
  pending: state.pending,
  status: state.status,
  ...(state.error === undefined ? {} : { error: state.error }),
});
