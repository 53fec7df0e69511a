/**
 * A chat session: reactive state for a chat UI, like a `useChat` for RxJS.
 *
 * @module
 */
import {
  catchError,
  concat,
  defer,
  distinctUntilChanged,
  identity,
  map,
  merge,
  of,
  ReplaySubject,
  scan,
  startWith,
  Subject,
  switchMap,
  takeUntil,
  type Observable,
  type OperatorFunction,
  type Subscription,
} from 'rxjs';
import type { Chunk } from '../core/chunk.js';
import { make, type Conversation } from '../core/conversation.js';
import { YqcloudError } from '../core/error.js';
import { yqcloudModels, type ChatRequest } from '../core/request.js';
import {
  initialState,
  reduce,
  toChatState,
  type ChatState,
  type SessionEvent,
  type SessionState,
} from './chatState.js';

/**
 * What a session needs of a provider: `create` (a `YqcloudProvider`, or a test provider).
 *
 * @example
 * ```ts
 * const provider: ChatProvider = new YqcloudProvider();
 * ```
 */
export interface ChatProvider {
  /** Streams the reply to a request (`YqcloudProvider.create`). */
  readonly create: (request: ChatRequest) => Observable<Chunk>;
  /** The model of a new conversation (default `gpt-4`). */
  readonly defaultModel?: string;
}

/**
 * How a session starts.
 *
 * @example
 * ```ts
 * const options: ChatSessionOptions = { conversation, pipe: bufferText({ boundary: 'word' }) };
 * ```
 */
export interface ChatSessionOptions {
  /** A conversation to continue (for example restored with `Conversation.fromJson`). */
  readonly conversation?: Conversation | undefined;
  /** Operators applied to every reply (for example `bufferText()`, `retryTransient()`). */
  readonly pipe?: OperatorFunction<Chunk, Chunk> | undefined;
}

/**
 * A running chat session.
 *
 * @example
 * ```ts
 * const chat: ChatSession = createChatSession(provider);
 * chat.state$.subscribe((state) => console.log(state.status, state.pending));
 * chat.send('Hello');
 * ```
 */
export interface ChatSession {
  /** The state, replaying the latest to each new subscriber. */
  readonly state$: Observable<ChatState>;
  /** Starts a reply to `content`; a reply in flight is cancelled first (its partial text kept). */
  readonly send: (content: string) => void;
  /** Cancels the reply in flight, keeping its partial text as the assistant's turn. */
  readonly stop: () => void;
  /** The current conversation (JSON-serialisable with `Conversation.toJson`). */
  readonly conversation: () => Conversation;
  /** Cancels any reply and ends the session; `state$` completes. */
  readonly close: () => void;
}

const asYqcloudError = (e: unknown): YqcloudError =>
  e instanceof YqcloudError
    ? e
    : new YqcloudError('Network', e instanceof Error ? e.message : String(e), { code: 'ERR_UNKNOWN', cause: e });

/**
 * A chat session on a provider. The state is derived with `scan` from the session's events;
 * `send` while a reply streams switches to the new one (the old request is aborted).
 *
 * @example
 * ```ts
 * const chat = createChatSession(provider, { pipe: bufferText({ boundary: 'word' }) });
 * chat.state$.subscribe(({ messages, pending, status }) => render(messages, pending, status));
 * chat.send('Hello');
 * chat.stop();
 * localStorage.setItem('chat', JSON.stringify(Conversation.toJson(chat.conversation())));
 * ```
 */
export const createChatSession = (provider: ChatProvider, options: ChatSessionOptions = {}): ChatSession => {
  const start = options.conversation ?? make(provider.defaultModel ?? yqcloudModels.defaultModel);
  const sends = new Subject<string>();
  const stops = new Subject<void>();
  const closing = new Subject<void>();
  let latest: SessionState = initialState(start);

  const replies: Observable<SessionEvent> = sends.pipe(
    switchMap(() =>
      concat(
        defer(() =>
          provider.create({
            messages: latest.turn === undefined ? [] : [latest.turn.user],
            conversation: latest.turn?.base ?? latest.conversation,
            returnConversation: true,
          }),
        ).pipe(
          options.pipe ?? identity,
          map((chunk): SessionEvent => ({ type: 'chunk', chunk })),
          catchError((e: unknown) => of<SessionEvent>({ type: 'error', error: asYqcloudError(e) })),
        ),
        of<SessionEvent>({ type: 'complete' }),
      ).pipe(takeUntil(stops)),
    ),
  );

  const events: Observable<SessionEvent> = merge(
    sends.pipe(map((content): SessionEvent => ({ type: 'send', content }))),
    stops.pipe(map((): SessionEvent => ({ type: 'stop' }))),
    replies,
  );

  const states = new ReplaySubject<ChatState>(1);
  const subscription: Subscription = events
    .pipe(
      scan(reduce, latest),
      startWith(latest),
      map((state) => {
        latest = state;
        return toChatState(state);
      }),
      distinctUntilChanged(
        (a, b) => a.messages === b.messages && a.pending === b.pending && a.status === b.status && a.error === b.error,
      ),
      takeUntil(closing),
    )
    .subscribe(states);

  return {
    state$: states.asObservable(),
    send: (content) => sends.next(content),
    stop: () => stops.next(),
    conversation: () => latest.conversation,
    close: () => {
      stops.next();
      closing.next();
      subscription.unsubscribe();
    },
  };
};
