/**
 * A relay reply that survives dropped connections: when the connection fails in the middle of a
 * reply the relay keeps (it named the reply, or gave its events ids), the reply is asked for
 * again after the last event received (`Last-Event-ID`), after a short backoff, a bounded number
 * of times, so the subscriber sees one unbroken stream of chunks.
 *
 * @module
 */
import type { Observable, SchedulerLike } from 'rxjs';
import {
  asyncScheduler,
  catchError,
  concat,
  concatMap,
  defer,
  EMPTY,
  of,
  takeWhile,
  tap,
  throwError,
  timer,
} from '#rx';
import type { Chunk } from '../core/chunk.js';
import { responseTooLarge, withPartialText, YqcloudError } from '../core/error.js';
import { eventIdReplyId, type ReplyCheckpoint, type ResumePoint } from './replyCheckpoint.js';

/**
 * What one connection to the relay yields: the reply's id (the `x-reply-id` header), a chunk
 * with its event id, the reply's `error` ending, or `gone` (the relay no longer has the reply:
 * a resume answered `204`). A connection that fails errors; one that delivered an ending
 * completes.
 *
 * @example
 * ```ts
 * const frames: ReadonlyArray<RelayFrame> = [
 *   { type: 'reply', replyId: 'mJ3xQ0d6Z2dO9m1sXk3P_a7b' },
 *   { type: 'chunk', id: 'mJ3xQ0d6Z2dO9m1sXk3P_a7b.0-1', chunk: { type: 'text', text: 'Hi' } },
 * ];
 * ```
 */
export type RelayFrame =
  | { readonly type: 'reply'; readonly replyId: string }
  | { readonly type: 'chunk'; readonly id: string | undefined; readonly chunk: Chunk }
  | { readonly type: 'error'; readonly id: string | undefined; readonly error: YqcloudError }
  | { readonly type: 'gone' };

/**
 * How a reply is resumed after a drop.
 */
export interface ResumeOptions {
  /** Reconnections in a row without receiving an event, at most (default 5; 0: never resume). */
  readonly maxAttempts?: number | undefined;
  /** The first wait; each next one doubles (default 250 ms). */
  readonly baseDelayMs?: number | undefined;
  /** The longest wait (default 4 000 ms). */
  readonly maxDelayMs?: number | undefined;
  /** The scheduler that waits (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike | undefined;
  /** The most text the reply may deliver, over all connections; past it `ResponseTooLarge` (default: no limit). */
  readonly maxTextChars?: number | undefined;
}

/**
 * Where a reply is picked up, and who hears how far it got.
 */
export interface ReplyTracking {
  /** A reply already under way: the first connection asks for what came after this point. */
  readonly from?: ResumePoint | undefined;
  /** Told the reply's place as each event arrives (not the `finish` event: nothing is left then). */
  readonly checkpoint?: ((checkpoint: ReplyCheckpoint) => void) | undefined;
}

/** An error that ends the reply whatever the connection: never resumed. */
class Final {
  constructor(readonly error: YqcloudError) {}
}

const gone = (): YqcloudError => new YqcloudError('Network', 'the relay no longer has this reply', { code: 'EGONE' });
const prematureClose = (): YqcloudError =>
  new YqcloudError('Network', 'the relay closed the stream before the reply finished', {
    code: 'ERR_STREAM_PREMATURE_CLOSE',
  });
const relayFailed = (): YqcloudError => new YqcloudError('Network', 'the relay connection failed', { code: 'ERELAY' });

/** Whether a failed connection is worth resuming: the connection broke, not the protocol. */
const isDrop = (e: unknown): e is YqcloudError =>
  e instanceof YqcloudError &&
  ((e.kind === 'Network' && e.code !== 'EPROTO') ||
    e.kind === 'Timeout' ||
    (e.kind === 'Http' && e.status !== undefined && (e.status === 503 || e.status === 502 || e.status === 504)));

/**
 * The chunks of a reply over as many connections as it takes. `open(undefined)` starts it;
 * after a drop, `open(lastEventId)` asks for what came after the last event received (or after
 * the start, `<replyId>.0-0`, when the reply was named but no event had come). Each chunk is
 * emitted once, in order. With `tracking.from`, the first connection is `open(from.lastEventId)`
 * and the text counts from `from.text`; `tracking.checkpoint` hears the reply's id and text so
 * far as each event arrives. A drop before the reply was named, a protocol error, the reply's own
 * `error` ending, `gone`, or a drop after `maxAttempts` reconnections without an event fail the
 * stream; every error's `partialText` is the text emitted over all connections. Unsubscribing
 * unsubscribes the current connection and any wait.
 *
 * ```
 * open(undefined): -r-a-b-#           r = reply id, a b = chunks, # = a dropped connection
 * open('…b'):              -c-F|      (after the backoff)
 * result:          ---a-b----c-F|
 * ```
 */
export const resumeOnDrop = (
  open: (lastEventId: string | undefined) => Observable<RelayFrame>,
  options: ResumeOptions = {},
  tracking: ReplyTracking = {},
): Observable<Chunk> =>
  defer(() => {
    const maxAttempts = Math.max(0, options.maxAttempts ?? 5);
    const baseDelayMs = Math.max(0, options.baseDelayMs ?? 250);
    const maxDelayMs = Math.max(baseDelayMs, options.maxDelayMs ?? 4000);
    const scheduler = options.scheduler ?? asyncScheduler;
    const maxTextChars = options.maxTextChars ?? Number.POSITIVE_INFINITY;
    let lastEventId: string | undefined = tracking.from?.lastEventId;
    let replyId: string | undefined = lastEventId === undefined ? undefined : eventIdReplyId(lastEventId);
    let text = tracking.from?.text ?? '';
    const told = (at: string): void => {
      const id = replyId ?? eventIdReplyId(at);
      if (id !== undefined) tracking.checkpoint?.({ replyId: id, lastEventId: at, text });
    };
    let attempts = 0;
    let drop: YqcloudError | undefined;

    const step = (frame: RelayFrame): Observable<Chunk> => {
      switch (frame.type) {
        case 'reply':
          replyId = frame.replyId;
          if (lastEventId === undefined) told(`${replyId}.0-0`);
          return EMPTY;
        case 'gone':
          return throwError(() => new Final(drop ?? gone()));
        case 'error':
          return throwError(() => new Final(frame.error));
        case 'chunk':
          attempts = 0;
          if (frame.id !== undefined) lastEventId = frame.id;
          if (frame.chunk.type === 'text') {
            if (text.length + frame.chunk.text.length > maxTextChars)
              return throwError(() => new Final(responseTooLarge(maxTextChars)));
            text += frame.chunk.text;
          }
          if (frame.id !== undefined && frame.chunk.type !== 'finish') told(frame.id);
          return of(frame.chunk);
      }
    };

    const attempt = (): Observable<Chunk> => {
      let finished = false;
      return concat(
        defer(() => open(lastEventId ?? (replyId === undefined ? undefined : `${replyId}.0-0`))).pipe(
          concatMap(step),
          takeWhile((chunk) => chunk.type !== 'finish', true),
          tap((chunk) => {
            if (chunk.type === 'finish') finished = true;
          }),
        ),
        defer(() => (finished ? EMPTY : throwError(prematureClose))),
      ).pipe(
        catchError((e: unknown) => {
          const resumable = replyId !== undefined || lastEventId !== undefined;
          if (e instanceof Final || !isDrop(e) || !resumable || attempts >= maxAttempts) return throwError(() => e);
          drop = e;
          const wait = Math.min(maxDelayMs, baseDelayMs * 2 ** attempts);
          attempts += 1;
          return timer(wait, scheduler).pipe(concatMap(attempt));
        }),
      );
    };

    return attempt().pipe(
      catchError((e: unknown) => {
        const error = e instanceof Final ? e.error : e instanceof YqcloudError ? e : relayFailed();
        return throwError(() => withPartialText(text)(error));
      }),
    );
  });
