/**
 * Building the service's request from a validated request: the conversation turn, the JSON
 * body and the headers. Pure functions.
 *
 * @module
 */
import * as O from '#fp-ts/Option.js';
import { pipe } from '#fp-ts/function.js';
import { appendHistory, mintUserId, userIdAt, withHistory, type Conversation } from '../core/conversation.js';
import { mergeHeaders, type HeaderRecord } from '../core/headers.js';
import { trimHistory, type HistoryBudget } from '../core/historyBudget.js';
import { formatPrompt, extractSystem } from '../core/prompt.js';
import type { ValidRequest } from '../core/request.js';

/**
 * The JSON body the service expects, with exactly these keys (what `yqcloud-rx/testing`'s
 * recorded requests hold).
 *
 * @example
 * ```ts
 * const body: Payload = { prompt: 'Hello', userId: '#/chat/1700000000000', network: true, system: '', withoutContext: false, stream: true };
 * ```
 */
export interface Payload {
  readonly prompt: string;
  readonly userId: string;
  readonly network: true;
  readonly system: string;
  readonly withoutContext: false;
  readonly stream: boolean;
}

/**
 * A desktop browser's user agent, as the service's web page sends.
 */
export const desktopUserAgent =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/**
 * The headers of the wire protocol, before any the caller adds.
 */
export const defaultHeaders = (site: string): HeaderRecord => ({
  accept: 'application/json, text/plain, */*',
  'accept-language': 'en-US,en;q=0.9',
  'content-type': 'application/json',
  origin: site,
  referer: `${site}/`,
  'user-agent': desktopUserAgent,
});

/**
 * Headers a browser forbids scripts to set; left to the browser there.
 */
export const browserForbiddenHeaders: ReadonlyArray<string> = ['origin', 'referer', 'user-agent'];

/**
 * The conversation this turn runs in: a new one holding the given messages, or the given
 * conversation with only the last message appended. When the request's `historyBudget` leaves
 * part of that history out of the prompt, the turn runs in a fresh service conversation (a new
 * `userId`): the service keeps context per `userId`, and would otherwise still remember what
 * the budget dropped.
 */
export const turnConversation = (request: ValidRequest, now?: () => number): Conversation => {
  const newUserId = (): string => (now === undefined ? mintUserId() : userIdAt(now()));
  const turn = pipe(
    request.conversation,
    O.match(
      () => withHistory(request.messages)({ model: request.model, userId: newUserId(), messageHistory: [] }),
      (conversation) =>
        pipe(
          O.fromNullable(request.messages.at(-1)),
          O.match(
            () => conversation,
            (last) => pipe(conversation, appendHistory(last)),
          ),
        ),
    ),
  );
  const kept = trimHistory(request.historyBudget)(turn.messageHistory);
  return O.isSome(request.conversation) && kept.length < turn.messageHistory.length
    ? { ...turn, userId: newUserId() }
    : turn;
};

/**
 * The body for a conversation's turn: the history trimmed to the budget, the system message
 * split off, the rest formatted.
 */
export const buildPayload = (conversation: Conversation, stream: boolean, budget: HistoryBudget = {}): Payload => {
  const split = extractSystem(trimHistory(budget)(conversation.messageHistory));
  return {
    prompt: formatPrompt(split.messages),
    userId: conversation.userId,
    network: true,
    system: O.getOrElse(() => '')(split.system),
    withoutContext: false,
    stream,
  };
};

/**
 * The request headers: the protocol's, then the provider's extra ones, browser-forbidden ones
 * dropped when `inBrowser`.
 */
export const requestHeaders = (site: string, extra: HeaderRecord, inBrowser: boolean): HeaderRecord => {
  const merged = mergeHeaders(defaultHeaders(site), extra);
  if (!inBrowser) return merged;
  return Object.fromEntries(
    Object.entries(merged).filter(([name]) => !browserForbiddenHeaders.includes(name.toLowerCase())),
  );
};
