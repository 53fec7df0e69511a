/**
 * Durable reply entries as the relay's events, each with its `id:` (when it has one).
 *
 * @module
 */
import type { Observable } from 'rxjs';
import { concat, map, of } from '#rx';
import { conversation, finish, text } from '../../../core/chunk.js';
import { encodeChunk, encodeErrorEvent } from '../../../core/relayProtocol.js';
import { eventStreamHeaders, type ReplyPart } from '../../pipeline/reply.js';
import { replyStopped } from '../../store/replyErrors.js';
import type { DurableEvent } from '../../pipeline/produceReply.js';

/**
 * One entry as its SSE event: text, conversation and finish as the relay's chunk events; an
 * error as the `error` event (stored already safe for clients); `stopped` as the `error` event
 * of `Network` `ESTOPPED`.
 */
export const encodeEntry = ({ id, entry }: DurableEvent): string => {
  switch (entry.type) {
    case 'text':
      return encodeChunk(text(entry.text), id);
    case 'conversation':
      return encodeChunk(conversation(entry.conversation), id);
    case 'finish':
      return encodeChunk(finish, id);
    case 'error':
      return encodeErrorEvent(entry.error, id);
    case 'stopped':
      return encodeErrorEvent(replyStopped(), id);
  }
};

/**
 * The answer that streams a durable reply: `200` with `x-reply-id`, then each event with its id.
 */
export const durableAnswer = (
  replyId: string,
  events: Observable<DurableEvent>,
  headers: Readonly<Record<string, string>>,
): Observable<ReplyPart> =>
  concat(
    of<ReplyPart>({ type: 'head', status: 200, headers: { ...headers, ...eventStreamHeaders, 'x-reply-id': replyId } }),
    events.pipe(map((event): ReplyPart => ({ type: 'data', text: encodeEntry(event) }))),
  );
