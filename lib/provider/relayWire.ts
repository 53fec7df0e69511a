/**
 * The relay's request as its client builds it: the JSON body it POSTs for one turn. What each
 * Server-Sent Event means is `core/relayProtocol.ts`, shared with the server. Pure functions.
 *
 * @module
 */
import * as O from '#fp-ts/Option.js';
import { Conversation, type ConversationJson } from '../core/conversation.js';
import { trimHistory } from '../core/historyBudget.js';
import type { Message } from '../core/message.js';
import type { ValidRequest } from '../core/request.js';

/**
 * The body a relay accepts (docs/relay.md; unknown keys are refused there).
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

/**
 * A resumed reply's conversation made whole again: the history of the conversation the reply
 * continues (`whole`), then the question and the reply the relay appended (its last two
 * messages) — the history a `historyBudget` kept from the relay put back.
 */
export const restoreResumed =
  (whole: Conversation) =>
  (returned: Conversation): Conversation =>
    returned.messageHistory.length < 2
      ? returned
      : restoreAfter(whole.messageHistory, returned.messageHistory.length - 2)(returned);

const restoreAfter =
  (whole: ReadonlyArray<Message>, sentLength: number) =>
  (returned: Conversation): Conversation =>
    whole.length === sentLength
      ? returned
      : { ...returned, messageHistory: [...whole, ...returned.messageHistory.slice(sentLength)] };
