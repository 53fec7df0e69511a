/**
 * A conversation: the model, the service's `userId` and the history so far. An immutable,
 * JSON-serialisable value (gpt4free's `JsonConversation`); every update returns a new one.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';
import * as t from '#io-ts/index.js';
import { MessageCodec, normalise, type Message } from './message.js';
import { describeErrors } from './decodeErrors.js';

/**
 * The state of one conversation with the service.
 *
 * @example
 * ```ts
 * const c: Conversation = { model: 'gpt-4', userId: '#/chat/1700000000000', messageHistory: [] };
 * ```
 */
export interface Conversation {
  readonly model: string;
  readonly userId: string;
  readonly messageHistory: ReadonlyArray<Message>;
}

/**
 * The JSON shape of a conversation, with gpt4free's field names.
 *
 * @example
 * ```ts
 * const json: ConversationJson = Conversation.toJson(conversation); // { model, userId, message_history }
 * ```
 */
export interface ConversationJson {
  readonly model: string;
  readonly userId: string;
  readonly message_history: ReadonlyArray<Message>;
}

/**
 * Why `Conversation.fromJson` refused its input.
 *
 * @example
 * ```ts
 * pipe(Conversation.fromJson(u), E.mapLeft((e: ConversationDecodeError) => console.error(e.message)));
 * ```
 */
export interface ConversationDecodeError {
  readonly _tag: 'ConversationDecodeError';
  /** A readable account of every problem found, one per line. */
  readonly message: string;
}

/**
 * The io-ts codec of {@link ConversationJson}.
 */
export const ConversationJsonCodec: t.Type<ConversationJson> = t.readonly(
  t.type({ model: t.string, userId: t.string, message_history: t.readonlyArray(MessageCodec) }),
  'ConversationJson',
);

/**
 * The io-ts codec of a {@link Conversation} value as the library passes it around.
 */
export const ConversationCodec: t.Type<Conversation> = t.readonly(
  t.type({ model: t.string, userId: t.string, messageHistory: t.readonlyArray(MessageCodec) }),
  'Conversation',
);

/**
 * The service's conversation id for a start time: `#/chat/<epoch milliseconds>`.
 *
 * @example
 * ```ts
 * userIdAt(1700000000000); // '#/chat/1700000000000'
 * ```
 */
export const userIdAt = (epochMs: number): string => `#/chat/${epochMs}`;

/**
 * A fresh, unguessable service conversation id, `#/chat/<20 digits>`: 64 bits from the
 * platform's CSPRNG (`crypto.getRandomValues`), so nobody can guess another's conversation
 * (the service keeps context per `userId`).
 *
 * @example
 * ```ts
 * mintUserId(); // '#/chat/07261839562075380211'
 * ```
 */
export const mintUserId = (): string => {
  const words = crypto.getRandomValues(new Uint32Array(2));
  const value = (BigInt(words[0] ?? 0) << 32n) | BigInt(words[1] ?? 0);
  return `#/chat/${value.toString().padStart(20, '0')}`;
};

/**
 * A new conversation with an empty history and a fresh {@link mintUserId} id; with `now`, the
 * id is `#/chat/<now()>` instead (predictable ids for tests).
 *
 * @example
 * ```ts
 * make('gpt-4').userId;         // '#/chat/…' (20 random digits)
 * make('gpt-4', () => 1700000000000); // { model: 'gpt-4', userId: '#/chat/1700000000000', messageHistory: [] }
 * ```
 */
export const make = (model: string, now?: () => number): Conversation => ({
  model,
  userId: now === undefined ? mintUserId() : userIdAt(now()),
  messageHistory: [],
});

/**
 * A copy of the conversation with `message` appended to its history.
 *
 * @example
 * ```ts
 * pipe(make('gpt-4'), appendHistory({ role: 'user', content: 'Hi' })).messageHistory.length; // 1
 * ```
 */
export const appendHistory =
  (message: Message) =>
  (conversation: Conversation): Conversation => ({
    ...conversation,
    messageHistory: [...conversation.messageHistory, normalise(message)],
  });

/**
 * A copy of the conversation with its history replaced.
 *
 * @example
 * ```ts
 * pipe(make('gpt-4'), withHistory([{ role: 'user', content: 'Hi' }]));
 * ```
 */
export const withHistory =
  (messages: ReadonlyArray<Message>) =>
  (conversation: Conversation): Conversation => ({ ...conversation, messageHistory: messages.map(normalise) });

/**
 * The JSON form, with gpt4free's field names (`message_history`).
 *
 * @example
 * ```ts
 * JSON.stringify(toJson(conversation)); // '{"model":"gpt-4","userId":"#/chat/…","message_history":[…]}'
 * ```
 */
export const toJson = (conversation: Conversation): ConversationJson => ({
  model: conversation.model,
  userId: conversation.userId,
  message_history: conversation.messageHistory,
});

/**
 * Decodes the JSON form (for example a parsed file or `localStorage` entry), validated by io-ts.
 *
 * @example
 * ```ts
 * fromJson(JSON.parse(localStorage.getItem('chat') ?? 'null')); // right(conversation) or left({ _tag: 'ConversationDecodeError', message })
 * ```
 */
export const fromJson = (u: unknown): E.Either<ConversationDecodeError, Conversation> =>
  pipe(
    // A hostile value (a throwing getter, a Proxy) is refused like any other non-conversation.
    E.tryCatch(
      () =>
        pipe(
          ConversationJsonCodec.decode(u),
          E.map(
            (json): Conversation => ({
              model: json.model,
              userId: json.userId,
              messageHistory: json.message_history.map(normalise),
            }),
          ),
        ),
      (e): ConversationDecodeError => ({
        _tag: 'ConversationDecodeError',
        message: `not a conversation: reading it threw (${e instanceof Error ? e.message : 'a non-error'})`,
      }),
    ),
    E.chainW(
      E.mapLeft(
        (errors): ConversationDecodeError => ({
          _tag: 'ConversationDecodeError',
          message: `not a conversation: ${describeErrors(errors)}`,
        }),
      ),
    ),
  );

/**
 * The conversation module: `Conversation.make`, `Conversation.toJson`, `Conversation.fromJson`,
 * `Conversation.appendHistory`, `Conversation.withHistory`, `Conversation.mintUserId`.
 *
 * @example
 * ```ts
 * const saved = JSON.stringify(Conversation.toJson(conversation));
 * const restored = Conversation.fromJson(JSON.parse(saved));
 * ```
 */
export const Conversation = { make, toJson, fromJson, appendHistory, withHistory, userIdAt, mintUserId } as const;
