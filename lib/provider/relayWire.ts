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
import { networkError, type YqcloudError } from '../core/error.js';
import { errorFromJson } from '../core/errorJson.js';
import type { Message } from '../core/message.js';
import type { ValidRequest } from '../core/request.js';

/**
 * The body a relay accepts (TEAM.md's wire format; unknown keys are refused there).
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
 * The body for a validated request: the messages, the model, the conversation as
 * `Conversation.toJson` (it travels with the client: the relay keeps no state), and
 * `returnConversation` when set. `stream` is not sent: a relay always streams.
 *
 * @example
 * ```ts
 * pipe(validateRequest({ messages }), E.map(relayRequestBody)); // right({ messages, model: 'gpt-4' })
 * ```
 */
export const relayRequestBody = (request: ValidRequest): RelayRequestBody => ({
  messages: request.messages,
  model: request.model,
  ...pipe(
    request.conversation,
    O.match(
      () => ({}),
      (c) => ({ conversation: Conversation.toJson(c) }),
    ),
  ),
  ...(request.returnConversation ? { returnConversation: true as const } : {}),
});

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
