/**
 * The relay's request body: `{ messages, model?, conversation?, returnConversation? }`, decoded
 * with io-ts, unknown keys refused, into the provider's `ChatRequest`.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';
import * as t from '#io-ts/index.js';
import { Conversation, type ConversationJson } from '../../../core/conversation.js';
import { invalidRequestOf } from '../../../core/decodeErrors.js';
import { invalidRequest, type YqcloudError } from '../../../core/error.js';
import { MessageCodec, type Message } from '../../../core/message.js';
import type { ChatRequest } from '../../../core/request.js';

/**
 * What a relay client posts. `conversation` is `Conversation.toJson`'s form; with it, only the
 * last message is appended to its history (as with the provider).
 */
export interface RelayBody {
  readonly messages: ReadonlyArray<Message>;
  readonly model?: string;
  readonly conversation?: ConversationJson;
  readonly returnConversation?: boolean;
}

/**
 * The io-ts codec of {@link RelayBody}'s shape (`conversation` is checked by `Conversation.fromJson`).
 */
export const RelayBodyCodec = t.intersection(
  [
    t.type({ messages: t.readonlyArray(MessageCodec) }),
    t.partial({ model: t.string, conversation: t.unknown, returnConversation: t.boolean }),
  ],
  'RelayBody',
);

const bodyKeys: ReadonlyArray<string> = ['messages', 'model', 'conversation', 'returnConversation'];

/**
 * Decodes a parsed body into the request for the provider, or the `InvalidRequest` error a 400
 * carries. Only own keys are read, each once; the value is not modified.
 */
export const decodeRelayBody = (u: unknown): E.Either<YqcloudError, ChatRequest> => {
  if (typeof u !== 'object' || u === null || Array.isArray(u))
    return E.left(invalidRequest('', 'the body must be a JSON object with `messages`'));
  const unknownKey = Object.keys(u).find((key) => !bodyKeys.includes(key));
  if (unknownKey !== undefined)
    return E.left(invalidRequest(unknownKey, `unknown key; a relay request has ${bodyKeys.join(', ')}`));
  return pipe(
    RelayBodyCodec.decode(u),
    E.mapLeft(invalidRequestOf),
    E.filterOrElse(
      (body) => body.messages.length > 0,
      () => invalidRequest('messages', 'at least one message is required'),
    ),
    E.chain(
      (body): E.Either<YqcloudError, { readonly body: typeof body; readonly conversation?: Conversation }> =>
        body.conversation === undefined
          ? E.right({ body })
          : pipe(
              Conversation.fromJson(body.conversation),
              E.bimap(
                (e) => invalidRequest('conversation', e.message),
                (conversation) => ({ body, conversation }),
              ),
            ),
    ),
    E.map(
      ({ body, conversation }): ChatRequest => ({
        messages: body.messages,
        ...(body.model === undefined ? {} : { model: body.model }),
        ...(conversation === undefined ? {} : { conversation }),
        ...(body.returnConversation === undefined ? {} : { returnConversation: body.returnConversation }),
      }),
    ),
  );
};
