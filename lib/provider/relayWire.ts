/**
 * The relay's wire format as its client sees it: the JSON body it POSTs, and what each
 * Server-Sent Event means (`text`, `conversation`, `finish`, `error`). Pure functions.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import * as O from '#fp-ts/Option.js';
import { pipe } from '#fp-ts/function.js';
import * as t from 'io-ts';
import { conversation, finish, text, type Chunk } from '../core/chunk.js';
import { Conversation, type ConversationJson } from '../core/conversation.js';
import { trimHistory } from '../core/historyBudget.js';
import { networkError, type YqcloudError } from '../core/error.js';
import { errorFromJson } from '../core/errorJson.js';
import type { Message } from '../core/message.js';
import type { ValidRequest } from '../core/request.js';

/**
 * The body a relay accepts (docs/relay.md; unknown keys are refused there).
 *
 * @example
 * ```ts
 * const body: RelayRequestBody = { messages: [{ role: 'user', content: 'Hi' }], model: 'gpt-4' };
 * ```
 */
export interface RelayRequestBody {
  readonly messages: ReadonlyArray<Message>;
  readonly model: string;
  readonly conversation?: ConversationJson;
  readonly returnConversation?: true;
}

/**
 * One turn as the relay is asked for it: the body to POST, and how to make the conversation the
 * relay returns whole again.
 *
 * @example
 * ```ts
 * const { body, restore }: RelayTurn = relayTurn(valid);
 * ```
 */
export interface RelayTurn {
  readonly body: RelayRequestBody;
  /** The returned conversation with the history the budget left out put back. */
  readonly restore: (returned: Conversation) => Conversation;
}

/**
 * The turn for a validated request. The body holds the messages, the model, the conversation as
 * `Conversation.toJson` (it travels with the client: the relay keeps no state), and
 * `returnConversation` when set; `stream` is not sent (a relay always streams).
 *
 * `historyBudget` is applied here, on the client: the history sent (the conversation's, or the
 * messages themselves without one) is `trimHistory(budget)` of it, so the relay's prompt is the
 * one `YqcloudProvider` would build with that budget; the relay returns the trimmed history with
 * the new turn, and `restore` puts the new turn back after the whole history, so the
 * conversation keeps it all, as it does with `YqcloudProvider`.
 *
 * @example
 * ```ts
 * pipe(validateRequest({ messages }), E.map((valid) => relayTurn(valid).body)); // right({ messages, model: 'gpt-4' })
 * ```
 */
export const relayTurn = (request: ValidRequest): RelayTurn => {
  const trim = trimHistory(request.historyBudget);
  const base = {
    model: request.model,
    ...(request.returnConversation ? { returnConversation: true as const } : {}),
  };
  if (O.isSome(request.conversation)) {
    const { value: whole } = request.conversation;
    const last = request.messages.at(-1);
    // The relay appends the last message; the budget is counted with it, as the provider does.
    const sent = last === undefined ? whole.messageHistory : trim([...whole.messageHistory, last]).slice(0, -1);
    return {
      body: {
        messages: request.messages,
        ...base,
        conversation: Conversation.toJson({ ...whole, messageHistory: sent }),
      },
      restore: restoreAfter(whole.messageHistory, sent.length),
    };
  }
  const sent = trim(request.messages);
  return { body: { messages: sent, ...base }, restore: restoreAfter(request.messages, sent.length) };
};

const restoreAfter =
  (whole: ReadonlyArray<Message>, sentLength: number) =>
  (returned: Conversation): Conversation =>
    whole.length === sentLength
      ? returned
      : { ...returned, messageHistory: [...whole, ...returned.messageHistory.slice(sentLength)] };

/**
 * What one event of the stream asks the client to do: emit a chunk (`finish` ends the reply),
 * fail with an error, or nothing (events of other names, kept for later versions).
 *
 * @example
 * ```ts
 * const step: RelayStep = { type: 'chunk', chunk: text('Hi') };
 * ```
 */
export type RelayStep =
  | { readonly type: 'chunk'; readonly chunk: Chunk }
  | { readonly type: 'error'; readonly error: YqcloudError }
  | { readonly type: 'skip' };

/**
 * One parsed Server-Sent Event (`eventsource-parser`'s `EventSourceMessage`).
 *
 * @example
 * ```ts
 * const event: RelayEvent = { event: 'text', data: '{"text":"你好"}' };
 * ```
 */
export interface RelayEvent {
  readonly event?: string | undefined;
  readonly data: string;
}

/**
 * The error for an event the client cannot read: the relay broke the protocol, reported as
 * `Network` with code `EPROTO` (the code of a protocol error), naming the event but not its data.
 *
 * @example
 * ```ts
 * protocolError('text', 'expected {"text": string}').code; // 'EPROTO'
 * ```
 */
export const protocolError = (event: string, problem: string): YqcloudError =>
  networkError('EPROTO', `the relay sent a \`${event}\` event the client cannot read (${problem})`);

const TextData = t.type({ text: t.string });

const parseJson = (data: string): E.Either<string, unknown> =>
  E.tryCatch(
    (): unknown => JSON.parse(data),
    () => 'its data is not JSON',
  );

const step =
  (event: string, decode: (u: unknown) => E.Either<string, RelayStep>) =>
  (data: string): RelayStep =>
    pipe(
      parseJson(data),
      E.flatMap(decode),
      E.getOrElse((problem): RelayStep => ({ type: 'error', error: protocolError(event, problem) })),
    );

const decoders: Readonly<Record<string, (data: string) => RelayStep>> = {
  text: step('text', (u) =>
    pipe(
      TextData.decode(u),
      E.mapLeft(() => 'expected {"text": string}'),
      E.map(({ text: value }): RelayStep => (value === '' ? { type: 'skip' } : { type: 'chunk', chunk: text(value) })),
    ),
  ),
  conversation: step('conversation', (u) =>
    pipe(
      Conversation.fromJson(u),
      E.bimap(
        (e) => e.message,
        (c): RelayStep => ({ type: 'chunk', chunk: conversation(c) }),
      ),
    ),
  ),
  finish: () => ({ type: 'chunk', chunk: finish }),
  // An error the client cannot revive is still an error: reported as a protocol error.
  error: step('error', (u) =>
    pipe(
      errorFromJson(u),
      E.bimap(
        (e) => e.message,
        (error): RelayStep => ({ type: 'error', error }),
      ),
    ),
  ),
};

/**
 * What an event means: `text` → a text chunk (empty text is skipped), `conversation` → the
 * conversation chunk (validated by `Conversation.fromJson`), `finish` → `finish`, `error` → the
 * revived `YqcloudError` (its `partialText` is the relay's; the client replaces it with its own);
 * data it cannot read → a {@link protocolError}; any other event name → skip.
 *
 * @example
 * ```ts
 * relayStep({ event: 'text', data: '{"text":"你好"}' });  // { type: 'chunk', chunk: { type: 'text', text: '你好' } }
 * relayStep({ event: 'ping', data: '' });                // { type: 'skip' }
 * ```
 */
export const relayStep = (event: RelayEvent): RelayStep => {
  const name = event.event ?? 'message';
  return Object.hasOwn(decoders, name) ? (decoders[name]?.(event.data) ?? { type: 'skip' }) : { type: 'skip' };
};
