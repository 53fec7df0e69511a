/**
 * The state a chat UI binds to, and the pure reducer that derives it from session events.
 *
 * @module
 */
import { appendHistory, withHistory, type Conversation } from '../core/conversation.js';
import type { Chunk } from '../core/chunk.js';
import { invalidRequest, type YqcloudError } from '../core/error.js';
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
  /**
   * The last failure, while `status` is `error`: a `YqcloudError` for every failure of the reply
   * itself; any other `Error` (a `TypeError` thrown by your own `pipe`) is passed as it is.
   */
  readonly error?: YqcloudError | Error;
}

/**
 * How a reply ended, with the text received in every case (so an app can save a partial reply):
 * `stop` when it finished, `cancelled` by Stop, a new prompt (`send`, `regenerate`, `edit`) or
 * `close`, `error` with the failure.
 *
 * @example
 * ```ts
 * const drafts: Array<string> = [];
 * chat.finished$.subscribe((end: ReplyEnd) => {
 *   if (end.reason !== 'stop') drafts.push(end.text); // a partial reply, kept to resume from
 * });
 * ```
 */
export type ReplyEnd =
  | { readonly reason: 'stop'; readonly text: string }
  | { readonly reason: 'cancelled'; readonly text: string }
  | { readonly reason: 'error'; readonly text: string; readonly error: YqcloudError | Error };

/**
 * The state the session keeps: what the UI sees, plus the conversation to continue.
 */
export interface SessionState extends ChatState {
  /** The conversation after the last finished (or stopped) turn. */
  readonly conversation: Conversation;
  /** The conversation the reply in flight continues, with its user message. */
  readonly turn: { readonly base: Conversation; readonly user: Message } | undefined;
}

/**
 * What happens in a session. `regenerate` and `edit` rewrite history the service has already
 * seen, so they carry the `userId` of the fresh service conversation the new reply runs in
 * (`Conversation.mintUserId()`). `adopt` takes on a reply already under way (to the user's
 * `content`, with `text` received before), as `send` starts one.
 */
export type SessionEvent =
  | { readonly type: 'send'; readonly content: string }
  | { readonly type: 'regenerate'; readonly userId: string }
  | { readonly type: 'edit'; readonly index: number; readonly content: string; readonly userId: string }
  | { readonly type: 'adopt'; readonly content: string; readonly text: string }
  | { readonly type: 'stop' }
  | { readonly type: 'chunk'; readonly chunk: Chunk }
  | { readonly type: 'error'; readonly error: YqcloudError | Error }
  | { readonly type: 'complete' };

/**
 * The state of a new session on a conversation: its history shown as messages, nothing pending.
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
const settle = (state: SessionState, status: 'idle' | 'error', error?: YqcloudError | Error): SessionState => {
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

/** A reply to `user` on `base` starts streaming (`text` of it already received). */
const streaming = (base: Conversation, user: Message, text = ''): SessionState => ({
  messages: [...base.messageHistory, user],
  pending: text,
  status: 'streaming',
  conversation: base,
  turn: { base, user },
});

/** The conversation cut before message `index`, in the service conversation `userId`. */
const cutBefore = (conversation: Conversation, index: number, userId: string): Conversation =>
  withHistory(conversation.messageHistory.slice(0, index))({ ...conversation, userId });

const lastUserIndex = (messages: ReadonlyArray<Message>): number => {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === 'user') return i;
  return -1;
};

/**
 * The next state after an event (pure: the given state is never changed). `regenerate` asks the
 * last question again on the history before it (the reply in flight, or the last reply, is
 * dropped); `edit(index, content)` replaces the user message at `index` of `messages`, drops what
 * came after it and asks again; an `index` that is not a user message is an `InvalidRequest`.
 * Both continue in the event's fresh service conversation (`userId`), whose prompt carries the
 * kept history: the service, which remembers per `userId`, forgets what was dropped.
 */
export const reduce = (state: SessionState, event: SessionEvent): SessionState => {
  switch (event.type) {
    case 'send': {
      const settled = settle(state, 'idle');
      return streaming(settled.conversation, { role: 'user', content: event.content });
    }
    case 'adopt': {
      const settled = settle(state, 'idle');
      return streaming(settled.conversation, { role: 'user', content: event.content }, event.text);
    }
    case 'regenerate': {
      if (state.turn !== undefined) return streaming({ ...state.turn.base, userId: event.userId }, state.turn.user);
      const at = lastUserIndex(state.conversation.messageHistory);
      const user = state.conversation.messageHistory[at];
      return user === undefined ? state : streaming(cutBefore(state.conversation, at, event.userId), user);
    }
    case 'edit': {
      const settled = settle(state, 'idle');
      const target = settled.conversation.messageHistory[event.index];
      if (target?.role !== 'user')
        return {
          ...settled,
          status: 'error',
          error: invalidRequest('edit.index', `message ${event.index} is not a user message`),
        };
      return streaming(cutBefore(settled.conversation, event.index, event.userId), {
        role: 'user',
        content: event.content,
      });
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
 * How the reply in flight ends with this event, if it does: the counterpart of {@link reduce}
 * for `finished$`.
 *
 * @example
 * ```ts
 * const sent = reduce(initialState(Conversation.make('gpt-4')), { type: 'send', content: 'Hi' });
 * const streaming = reduce(sent, { type: 'chunk', chunk: text('Hel') });
 * replyEnd(streaming, { type: 'stop' }); // { reason: 'cancelled', text: 'Hel' }
 * replyEnd(streaming, { type: 'chunk', chunk: text('lo') }); // undefined: still streaming
 * ```
 */
export const replyEnd = (state: SessionState, event: SessionEvent): ReplyEnd | undefined => {
  if (state.turn === undefined) return undefined;
  const text = state.pending;
  switch (event.type) {
    case 'chunk':
      return event.chunk.type === 'text' ? undefined : { reason: 'stop', text };
    case 'error':
      return { reason: 'error', text, error: event.error };
    default:
      // a new prompt or adopted reply, Stop, or the source completing without `finish` (an aborted signal)
      return { reason: 'cancelled', text };
  }
};

/**
 * The part of the state a UI sees.
 */
export const toChatState = (state: SessionState): ChatState => ({
  messages: state.messages,
  pending: state.pending,
  status: state.status,
  ...(state.error === undefined ? {} : { error: state.error }),
});
