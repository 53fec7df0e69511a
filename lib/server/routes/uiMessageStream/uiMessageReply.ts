/**
 * The UI message stream route's encoder: a reply's entries (produced now, or replayed from the
 * reply log on a resume) as the AI SDK's UI message stream. The head (200, event stream) and
 * `start` go out at once, so the client's `Chat` shows the assistant message while the service
 * thinks; the ending is `finish`, an `error` chunk (the text before it stays in the message) or
 * `abort`, then `data: [DONE]`, as the AI SDK's own servers answer.
 *
 * @module
 */
import { Observable } from '#rx';
import { networkError } from '../../../core/error.js';
import { createOperatorSubscriber } from '../../../operators/operatorSubscriber.js';
import { eventStreamHeaders, type ReplyPart } from '../../pipeline/reply.js';
import { isEnding, type ReplyEntry } from '../../store/replyLog.js';
import {
  uiChunksOf,
  uiMessageEvent,
  uiMessageStart,
  uiMessageStreamDone,
  uiMessageStreamHeaders,
  uiStartChunk,
  type UIMessageChunk,
  type UIMessageState,
} from './uiMessageChunks.js';

/**
 * How one reply is answered.
 */
export interface UIMessageReplyOptions {
  /** The assistant message's id (`start`'s `messageId`): the same on every resume of the reply. */
  readonly messageId: string;
  /** Headers for the answer (CORS's). */
  readonly headers: Readonly<Record<string, string>>;
}

const events = (chunks: ReadonlyArray<UIMessageChunk>): string => chunks.map(uiMessageEvent).join('');

/**
 * The answer to one chat request or resume, as reply parts, up to the reply's ending (entries
 * that complete without one end with a `Network` error chunk); unsubscribing unsubscribes the
 * entries.
 */
export const uiMessageReply = (
  entries: Observable<ReplyEntry>,
  options: UIMessageReplyOptions,
): Observable<ReplyPart> =>
  new Observable<ReplyPart>((subscriber) => {
    let state: UIMessageState = uiMessageStart;
    let ended = false;
    const write = (entry: ReplyEntry): void => {
      const [next, parts] = uiChunksOf(state, entry);
      state = next;
      const text = events(parts) + (isEnding(entry) ? uiMessageStreamDone : '');
      if (text !== '') subscriber.next({ type: 'data', text });
      if (!isEnding(entry)) return;
      ended = true;
      subscriber.complete();
    };
    subscriber.next({
      type: 'head',
      status: 200,
      headers: { ...options.headers, ...eventStreamHeaders, ...uiMessageStreamHeaders },
    });
    subscriber.next({ type: 'data', text: uiMessageEvent(uiStartChunk(options.messageId)) });
    entries.subscribe(
      createOperatorSubscriber<ReplyEntry>(subscriber, {
        next: (entry) => {
          if (!ended) write(entry);
        },
        error: () => write({ type: 'error', error: networkError('ESTOREUNAVAILABLE', 'the reply could not be read') }),
        complete: () => {
          if (!ended) write({ type: 'error', error: networkError('EPROVIDER', 'the reply ended before it finished') });
        },
      }),
    );
  });
