/**
 * A relay reply produced into the reply log: the provider's chunks are written entry by entry
 * as they come, whoever is reading, and the producing client sees each one with its event id
 * once it is written. The production does not depend on its client: when the client's
 * connection drops the reply goes on (the client resumes with `Last-Event-ID`); only a stop
 * request (from any instance) or the reply's own end stops it.
 *
 * @module
 */
import {
  catchError,
  concat,
  concatMap,
  defer,
  EMPTY,
  filter,
  fromEvent,
  map,
  Observable,
  of,
  Subject,
  take,
  takeUntil,
  takeWhile,
  tap,
} from '#rx';
import type { Chunk } from '../../../core/chunk.js';
import { networkError, YqcloudError } from '../../../core/error.js';
import { ReplyWriteRefused } from '../../store/replyErrors.js';
import { eventId } from '../../store/replyId.js';
import { isEnding, type ReplyEntry, type ReplyLog } from '../../store/replyLog.js';

/**
 * An entry as a client receives it: with its SSE event id (`<replyId>.<entryId>`), or without
 * one when the store could not keep it (the reply then cannot be resumed past it).
 */
export interface DurableEvent {
  readonly id: string | undefined;
  readonly entry: ReplyEntry;
}

/**
 * A reply being produced.
 *
 * @example
 * ```ts
 * const production: Production = await produceReply(createMemoryReplyLog(), 'alice', provider.create({ messages }));
 * production.events.subscribe(({ id, entry }) => console.log(id, entry.type));
 * await production.done; // the reply has ended (release the client's stream slot here)
 * ```
 */
export interface Production {
  readonly replyId: string;
  /**
   * The entries as they are written, for the producing client: the first subscriber gets those
   * written before it subscribed, then the live ones; once it unsubscribes, nobody else does
   * (the entries are in the log: resume from there).
   */
  readonly events: Observable<DurableEvent>;
  /** Resolves once the reply has ended and its producer let go. */
  readonly done: Promise<void>;
}

const entryOf = (chunk: Chunk): ReplyEntry =>
  chunk.type === 'text'
    ? { type: 'text', text: chunk.text }
    : chunk.type === 'conversation'
      ? { type: 'conversation', conversation: chunk.conversation }
      : { type: 'finish' };

const asYqcloudError = (e: unknown): YqcloudError =>
  e instanceof YqcloudError ? e : networkError('ERELAY', 'the relay failed while streaming');

/** The ending written when the log refuses more entries: `ResponseTooLarge`. */
const tooManyEntries = (): ReplyEntry => ({
  type: 'error',
  error: new YqcloudError('ResponseTooLarge', 'the reply is larger than the relay keeps', { limitBytes: 0 }),
});

/**
 * Opens a reply for `owner` in `log` and starts producing `chunks` into it at once (rejects,
 * with nothing subscribed, when the log cannot open one). Each chunk becomes an entry; an
 * error becomes the `error` ending (as `safeError` makes it: what every reader will see); a stop request unsubscribes `chunks` (which aborts the
 * service request) and writes the `stopped` ending; a source that completes without `finish`
 * ends with `Network` `ERELAY`. A write the log refuses because the reply is full ends the
 * reply with `ResponseTooLarge`; a write it cannot make (store unreachable, lease lost) leaves
 * the rest of the reply to the producing client only, without event ids.
 */
export const produceReply = async (
  log: ReplyLog,
  owner: string,
  chunks: Observable<Chunk>,
  safeError: (e: unknown) => YqcloudError = asYqcloudError,
): Promise<Production> => {
  const producer = await log.open(owner);
  const { replyId, signal } = producer;
  const live = new Subject<DurableEvent>();
  let early: DurableEvent[] | undefined = [];
  let taken = false;
  const events = new Observable<DurableEvent>((subscriber) => {
    if (taken) {
      subscriber.complete();
      return;
    }
    taken = true;
    const replay = early ?? [];
    early = undefined;
    for (const event of replay) subscriber.next(event);
    return live.subscribe(subscriber);
  });
  let durable = true;
  let sawEnding = false;

  const write = async (entry: ReplyEntry): Promise<DurableEvent> => {
    if (!durable) return { id: undefined, entry };
    try {
      return { id: eventId(replyId, await producer.append(entry)), entry };
    } catch (e) {
      if (e instanceof ReplyWriteRefused && e.reason === 'full') {
        const ending = tooManyEntries();
        return write(ending);
      }
      durable = false;
      return { id: undefined, entry };
    }
  };

  const stopRequested = (): boolean => signal.aborted && signal.reason === 'stop-requested';
  const stop$ = fromEvent(signal, 'abort').pipe(filter(stopRequested), take(1));
  const entries$: Observable<ReplyEntry> = concat(
    stopRequested()
      ? EMPTY
      : chunks.pipe(
          map(entryOf),
          catchError((e: unknown) => of<ReplyEntry>({ type: 'error', error: safeError(e) })),
          takeUntil(stop$),
          tap((entry) => {
            if (isEnding(entry)) sawEnding = true;
          }),
        ),
    defer(() =>
      sawEnding
        ? EMPTY
        : of<ReplyEntry>(
            stopRequested()
              ? { type: 'stopped' }
              : { type: 'error', error: networkError('ERELAY', 'the reply ended without its finish') },
          ),
    ),
  );

  const done = new Promise<void>((resolve) => {
    entries$
      .pipe(
        concatMap(write),
        takeWhile((event) => !isEnding(event.entry), true),
      )
      .subscribe({
        next: (event) => {
          early?.push(event);
          live.next(event);
        },
        complete: () => {
          early = undefined;
          live.complete();
          producer.close().finally(resolve);
        },
      });
  });
  return { replyId, events, done };
};
