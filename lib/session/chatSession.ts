/**
 * A chat session: reactive state for a chat UI, like a `useChat` for RxJS.
 *
 * @module
 */
import { toError } from '#fp-ts/Either.js';
import type { Observable, OperatorFunction } from 'rxjs';
import {
  catchError,
  concat,
  defer,
  EMPTY,
  identity,
  isObservable,
  map,
  merge,
  of,
  ReplaySubject,
  scan,
  Subject,
  switchMap,
  takeUntil,
  throwError,
} from '#rx';
import type { Chunk } from '../core/chunk.js';
import { make, mintUserId, type Conversation } from '../core/conversation.js';
import { invalidRequest, YqcloudError } from '../core/error.js';
import type { HistoryBudget } from '../core/historyBudget.js';
import { yqcloudModels, type ChatRequest } from '../core/request.js';
import {
  initialState,
  reduce,
  replyEnd,
  toChatState,
  type ChatState,
  type ReplyEnd,
  type SessionEvent,
  type SessionState,
} from './chatState.js';

/**
 * What streams replies: `create` (a `YqcloudProvider`, a `RelayProvider`, a test provider). The
 * one provider shape of the library: a session, the relay and the OpenAI-compatible route all
 * take it.
 *
 * @example
 * ```ts
 * const provider: ChatProvider = new YqcloudProvider();
 * ```
 */
export interface ChatProvider {
  /** Streams the reply to a request (`YqcloudProvider.create`). */
  readonly create: (request: ChatRequest) => Observable<Chunk>;
  /** The model used when a request names none (default `gpt-4`). */
  readonly defaultModel?: string;
  /** The models a request may name (the OpenAI route lists them; default: `defaultModel` alone). */
  readonly models?: ReadonlyArray<string>;
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
  /** Trims the history sent with every reply (the session keeps all of it); see `trimHistory`. */
  readonly historyBudget?: HistoryBudget | undefined;
}

/**
 * A reply already under way that a session takes on ({@link ChatSession.adopt}): the user's
 * question, the reply's text received before, and the rest of the reply as chunks (for a page
 * reloaded mid-reply, `RelayProvider.resume` of the checkpoint the page kept).
 *
 * @example
 * ```ts
 * const relay = new RelayProvider({ url: '/api/chat', headers: { authorization: 'Bearer demo-token' } });
 * const saved: ReplyCheckpoint & { readonly content: string } = JSON.parse(localStorage.getItem('reply') ?? 'null');
 * const adopted: AdoptedReply = { content: saved.content, text: saved.text, reply: relay.resume(saved) };
 * ```
 */
export interface AdoptedReply {
  /** The user's message the reply answers. */
  readonly content: string;
  /** The reply's text received before (default `''`), shown at once as the pending text. */
  readonly text?: string | undefined;
  /** The rest of the reply: the chunks after `text`. */
  readonly reply: Observable<Chunk>;
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
  /** How each reply ended (`stop`, `cancelled`, `error`) with the text received; not replayed. */
  readonly finished$: Observable<ReplyEnd>;
  /** Starts a reply to `content`; a reply in flight is cancelled first (its partial text kept). */
  readonly send: (content: string) => void;
  /**
   * Asks the last question again on the same history; the last reply (or the one in flight) is
   * dropped. The new reply runs in a fresh service conversation (a new `userId`) whose prompt
   * carries the kept history, so the service forgets the dropped reply.
   */
  readonly regenerate: () => void;
  /**
   * Replaces the user message at `index` of `messages`, drops everything after it, and asks
   * again, in a fresh service conversation (a new `userId`) whose prompt carries the kept history:
   * the service forgets the replaced and dropped messages.
   */
  readonly edit: (index: number, content: string) => void;
  /**
   * Takes on a reply already under way as the reply in flight: the user's `content` joins the
   * conversation, `text` is pending at once, and the chunks of `reply` (through the session's
   * `pipe`) follow, exactly as for `send`: `stop`, `finished$` (its `text` counts `text` in) and
   * the states are the same. `reply` is subscribed once, and unsubscribed by `stop`, a new prompt
   * or `close`. A reply in flight is cancelled first.
   */
  readonly adopt: (adopted: AdoptedReply) => void;
  /** Cancels the reply in flight, keeping its partial text as the assistant's turn. */
  readonly stop: () => void;
  /** The current conversation (JSON-serialisable with `Conversation.toJson`). */
  readonly conversation: () => Conversation;
  /** Cancels any reply and ends the session; `state$` and `finished$` complete. */
  readonly close: () => void;
}

/** A failure as the state shows it: a `YqcloudError` as it is, anything else as an `Error` (never relabelled). */
const asFailure = (e: unknown): YqcloudError | Error => (e instanceof YqcloudError ? e : toError(e));

/**
 * A chat session on a provider. The state is derived with `scan` from the session's events;
 * a new prompt (`send`, `regenerate`, `edit`) while a reply streams switches to the new one (the
 * old request is aborted).
 *
 * @example
 * ```ts
 * const chat = createChatSession(provider, { pipe: bufferText({ boundary: 'word' }), historyBudget: { maxMessages: 20 } });
 * chat.state$.subscribe(({ messages, pending, status }) => render(messages, pending, status));
 * chat.finished$.subscribe(({ reason, text }) => console.log(reason, text.length));
 * chat.send('Hello');
 * chat.stop();
 * localStorage.setItem('chat', JSON.stringify(Conversation.toJson(chat.conversation())));
 * ```
 */
export const createChatSession = (provider: ChatProvider, options: ChatSessionOptions = {}): ChatSession => {
  const start = options.conversation ?? make(provider.defaultModel ?? yqcloudModels.defaultModel);
  const prompts$ = new Subject<{ readonly event: SessionEvent; readonly reply?: Observable<Chunk> }>();
  const stops$ = new Subject<void>();
  const closing$ = new Subject<void>();
  let latest: SessionState = initialState(start);

  const reply = (
    turn: NonNullable<SessionState['turn']>,
    adopted: Observable<Chunk> | undefined,
  ): Observable<SessionEvent> =>
    concat(
      (
        adopted ??
        defer(() =>
          provider.create({
            messages: [turn.user],
            conversation: turn.base,
            returnConversation: true,
            ...(options.historyBudget === undefined ? {} : { historyBudget: options.historyBudget }),
          }),
        )
      ).pipe(
        options.pipe ?? identity,
        map((chunk): SessionEvent => ({ type: 'chunk', chunk })),
        catchError((e: unknown) => of<SessionEvent>({ type: 'error', error: asFailure(e) })),
      ),
      of<SessionEvent>({ type: 'complete' }),
    ).pipe(takeUntil(stops$));

  // `prompts$` reaches the reducer before `switchMap`, so `latest.turn` is the new prompt's turn.
  const events$: Observable<SessionEvent> = merge(
    prompts$.pipe(map(({ event }) => event)),
    stops$.pipe(map((): SessionEvent => ({ type: 'stop' }))),
    prompts$.pipe(switchMap(({ reply: adopted }) => (latest.turn === undefined ? EMPTY : reply(latest.turn, adopted)))),
  );

  const states$ = new ReplaySubject<ChatState>(1);
  const finished$ = new Subject<ReplyEnd>();
  let shown: ChatState | undefined;
  const show = (state: ChatState): void => {
    const same =
      shown !== undefined &&
      shown.messages === state.messages &&
      shown.pending === state.pending &&
      shown.status === state.status &&
      shown.error === state.error;
    shown = state;
    if (!same) states$.next(state);
  };
  show(toChatState(latest));

  const subscription = events$
    .pipe(
      scan(
        (step: { readonly state: SessionState; readonly end: ReplyEnd | undefined }, event: SessionEvent) => ({
          state: reduce(step.state, event),
          end: replyEnd(step.state, event),
        }),
        { state: latest, end: undefined },
      ),
      takeUntil(closing$),
    )
    .subscribe({
      next: ({ state, end }) => {
        latest = state;
        show(toChatState(state));
        if (end !== undefined) finished$.next(end);
      },
      complete: () => {
        states$.complete();
        finished$.complete();
      },
    });

  return {
    state$: states$.asObservable(),
    finished$: finished$.asObservable(),
    send: (content) => prompts$.next({ event: { type: 'send', content } }),
    regenerate: () => prompts$.next({ event: { type: 'regenerate', userId: mintUserId() } }),
    edit: (index, content) => prompts$.next({ event: { type: 'edit', index, content, userId: mintUserId() } }),
    adopt: ({ content, text = '', reply: adopted }) =>
      prompts$.next({
        event: { type: 'adopt', content, text },
        reply: isObservable(adopted)
          ? adopted
          : throwError(() => invalidRequest('adopt.reply', 'expected an Observable of chunks')),
      }),
    stop: () => stops$.next(),
    conversation: () => latest.conversation,
    close: () => {
      stops$.next();
      closing$.next();
      subscription.unsubscribe();
    },
  };
};
