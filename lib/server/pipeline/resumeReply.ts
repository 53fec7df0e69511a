/**
 * What a client that resumes a reply (the relay's `GET` with `Last-Event-ID`, the UI message
 * stream's `GET <api>/<chatId>/stream`) or stops one (the relay's `DELETE ?reply=<id>`, the UI
 * route's `DELETE <api>/<chatId>/stream`) is answered, on whichever instance it lands: decided
 * from the reply log alone, and only for the client the reply belongs to.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import { map } from '#rx';
import { eventId, isReplyId, parseEventId } from '../store/replyId.js';
import type { ReplyLog } from '../store/replyLog.js';
import type { DurableEvent } from './produceReply.js';

/**
 * A resume's answer: the events after the given one, up to the ending (`200`, an event stream);
 * `gone` (`204`: unknown or expired); `not-yours` (`403`); `unavailable` (`503`: the store cannot
 * be reached); `bad-id` (`400`: not an event id of this relay).
 */
export type ResumeOutcome =
  | { readonly type: 'follow'; readonly replyId: string; readonly events: Observable<DurableEvent> }
  | { readonly type: 'gone' | 'not-yours' | 'unavailable' | 'bad-id' };

/**
 * A stop's answer: `stopping` (`202`: the producer was told, wherever it runs), or the same
 * refusals as {@link ResumeOutcome} (`gone` also for a reply that has already ended).
 */
export type StopOutcome = 'stopping' | 'gone' | 'not-yours' | 'unavailable' | 'bad-id';

const ownerCheck = async (log: ReplyLog, replyId: string, owner: string): Promise<'ok' | StopOutcome> => {
  let actual: string | undefined;
  try {
    actual = await log.ownerOf(replyId);
  } catch {
    return 'unavailable';
  }
  if (actual === undefined) return 'gone';
  return actual === owner ? 'ok' : 'not-yours';
};

/**
 * Resumes the reply named by `lastEventId` for `owner`.
 *
 * @example
 * ```ts
 * const log = createMemoryReplyLog();
 * const outcome = await resumeReply(log, 'alice', 'mJ3xQ0d6Z2dO9m1sXk3P_a7b.0-2'); // the Last-Event-ID header
 * if (outcome.type === 'follow') outcome.events.subscribe(({ id, entry }) => console.log(id, entry.type));
 * ```
 */
export const resumeReply = async (log: ReplyLog, owner: string, lastEventId: string): Promise<ResumeOutcome> => {
  const parsed = parseEventId(lastEventId.trim());
  return parsed === undefined ? { type: 'bad-id' } : followReply(log, owner, parsed.replyId, parsed.entryId);
};

/**
 * Follows the reply `replyId` of `owner` after entry `afterId` (`startOfReply`: all of it).
 *
 * @example
 * ```ts
 * const log = createMemoryReplyLog();
 * const { replyId } = await log.open('alice', { chatId: 'c1' });
 * const outcome = await followReply(log, 'alice', replyId, startOfReply);
 * if (outcome.type === 'follow') outcome.events.subscribe(({ entry }) => console.log(entry.type));
 * ```
 */
export const followReply = async (
  log: ReplyLog,
  owner: string,
  replyId: string,
  afterId: string,
): Promise<ResumeOutcome> => {
  const checked = await ownerCheck(log, replyId, owner);
  if (checked !== 'ok') return { type: checked === 'stopping' ? 'gone' : checked };
  let followed: Observable<{ readonly id: string; readonly entry: DurableEvent['entry'] }> | undefined;
  try {
    followed = await log.follow(replyId, afterId);
  } catch {
    return { type: 'unavailable' };
  }
  if (followed === undefined) return { type: 'gone' };
  return {
    type: 'follow',
    replyId,
    events: followed.pipe(map(({ id, entry }): DurableEvent => ({ id: eventId(replyId, id), entry }))),
  };
};

/**
 * Asks for the reply `replyId` of `owner` to stop, wherever it is produced.
 */
export const stopReply = async (log: ReplyLog, owner: string, replyId: string): Promise<StopOutcome> => {
  if (!isReplyId(replyId)) return 'bad-id';
  const checked = await ownerCheck(log, replyId, owner);
  if (checked !== 'ok') return checked;
  try {
    return (await log.requestStop(replyId)) ? 'stopping' : 'gone';
  } catch {
    return 'unavailable';
  }
};
