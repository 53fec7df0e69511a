/**
 * How far a relay reply got, and where to pick it up again: the last event received (its SSE
 * `id:`, `<replyId>.<entryId>`) with the reply's text up to it. Saved by a page while a reply
 * streams, it lets the page continue the reply after a reload (`RelayProvider.resume`).
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';
import { ConversationCodec, type Conversation } from '../core/conversation.js';
import { invalidRequest } from '../core/error.js';
import { codecOption, optional, readOptions, type Check, type OptionReader } from '../core/optionCheck.js';

/**
 * A relay reply's place: its id, the id of the last event received (`<replyId>.0-0` before any
 * event), and the reply's text up to and including that event. JSON-serialisable.
 *
 * @example
 * ```ts
 * const relay = new RelayProvider({ url: '/api/chat', headers: { authorization: 'Bearer demo-token' } });
 * relay.checkpoints$.subscribe((checkpoint: ReplyCheckpoint) =>
 *   sessionStorage.setItem('reply', JSON.stringify(checkpoint)),
 * );
 * ```
 */
export interface ReplyCheckpoint {
  readonly replyId: string;
  readonly lastEventId: string;
  readonly text: string;
}

/**
 * Where `RelayProvider.resume` picks a reply up: after the event `lastEventId`; `text` is the
 * reply's text up to it (default `''`), counted into the errors' `partialText`. A
 * {@link ReplyCheckpoint} is one (its `replyId` must then be the one `lastEventId` names).
 * `conversation`, the conversation the reply continues (the one before its question), puts back
 * into the returned conversation the history a `historyBudget` kept from the relay, as
 * `create()` does.
 *
 * @example
 * ```ts
 * const from: ResumePoint = { lastEventId: 'mJ3xQ0d6Z2dO9m1sXk3P_a7b.1733580000000-4', text: 'You said' };
 * ```
 */
export interface ResumePoint {
  readonly lastEventId: string;
  readonly text?: string | undefined;
  readonly replyId?: string | undefined;
  readonly conversation?: Conversation | undefined;
}

const eventIdPattern = /^([A-Za-z0-9_-]{16,64})\.\d{1,20}-\d{1,20}$/;

/**
 * The reply an event id names, or `undefined` when it is not a relay event id.
 */
export const eventIdReplyId = (lastEventId: string): string | undefined => eventIdPattern.exec(lastEventId)?.[1];

const checkEventId: OptionReader<string> = (path, u) =>
  typeof u === 'string' && eventIdReplyId(u) !== undefined
    ? E.right(u)
    : E.left(invalidRequest(path, 'expected an event id of the relay (`<replyId>.<entryId>`)'));

const readers = {
  lastEventId: checkEventId,
  text: optional('a string', (u): u is string => typeof u === 'string'),
  replyId: optional('a string', (u): u is string => typeof u === 'string'),
  conversation: codecOption(ConversationCodec),
};

/** A point after validation. */
export interface ValidResumePoint {
  readonly lastEventId: string;
  readonly text: string;
  readonly conversation: Conversation | undefined;
}

/**
 * Checks where a reply is to be picked up (pure): the point with its text (`''` when not given),
 * or the `InvalidRequest` that names the problem. Nothing is read through a prototype.
 */
export const validateResumePoint = (u: unknown): Check<ValidResumePoint> =>
  pipe(
    readOptions('point', u, readers),
    E.filterOrElse(
      ({ lastEventId, replyId }) => replyId === undefined || eventIdReplyId(lastEventId) === replyId,
      () => invalidRequest('point.replyId', 'not the reply that `lastEventId` names'),
    ),
    E.map(({ lastEventId, text, conversation }) => ({ lastEventId, text: text ?? '', conversation })),
  );
