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
  tap,
} from '#rx';
import type { Chunk } from '../../../core/chunk.js';
import { networkError, YqcloudError } from '../../../core/error.js';
import { stoppableSubscriber } from '../../pipeline/linked.js';
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
  /**
   * The source refused the request outright (an `InvalidRequest` error on subscription, before
   * any chunk), as `safeError` made it: answer it as a refusal (the reply holds only that error).
   */
  readonly refused: YqcloudError | undefined;
}

/**
 * The most characters of text that wait for the log while a write is under way (consecutive
 * text entries waiting are joined into one), 1 Mi by default: past it the reply ends with
 * `ResponseTooLarge` and the source is let go.
 */
export const defaultMaxPendingChars = 1024 * 1024;

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

/** The ending written when the source outruns the log past `maxPendingChars`: `ResponseTooLarge`. */
const outrunTheLog = (maxPendingChars: number): ReplyEntry => ({
  type: 'error',
  error: new YqcloudError('ResponseTooLarge', 'the reply came faster than the relay could keep it', {
    limitBytes: 2 * maxPendingChars,
  }),
});

/**
 * `entries` written one at a time, in order, each emitted once written; what arrives during a
 * write waits, consecutive texts joined, at most `maxPendingChars` characters of it (past it, the
 * rest is dropped, the `outrunTheLog` ending written, `entries` let go). Completes after the
 * first ending written.
 */
const writeInOrder = (
  entries: Observable<ReplyEntry>,
  write: (entry: ReplyEntry) => Promise<DurableEvent>,
  maxPendingChars: number,
): Observable<DurableEvent> =>
  new Observable<DurableEvent>((subscriber) => {
    const pending: Array<ReplyEntry> = [];
    let pendingChars = 0;
    let writing = false;
    let sourceEnded = false;
    const next = (): void => {
      if (writing || subscriber.closed) return;
      const entry = pending.shift();
      if (entry === undefined) {
        if (sourceEnded) subscriber.complete();
        return;
      }
      if (entry.type === 'text') pendingChars -= entry.text.length;
      writing = true;
      void write(entry).then((event) => {
        writing = false;
        subscriber.next(event);
        if (isEnding(event.entry)) subscriber.complete();
        else next();
      });
    };
    const source = stoppableSubscriber<ReplyEntry>({
      next: (entry) => {
        if (sourceEnded) return;
        const last = pending.at(-1);
        if (entry.type === 'text' && last?.type === 'text')
          pending[pending.length - 1] = { type: 'text', text: last.text + entry.text };
        else pending.push(entry);
        if (entry.type === 'text') pendingChars += entry.text.length;
        if (pendingChars > maxPendingChars) {
          pending.length = 0;
          pendingChars = 0;
          pending.push(outrunTheLog(maxPendingChars));
          sourceEnded = true;
          source.unsubscribe();
        }
        next();
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => {
        sourceEnded = true;
        next();
      },
    });
    subscriber.add(source);
    entries.subscribe(source);
    return undefined;
  });
/**
 * Opens a reply for `owner` in `log` and starts producing `chunks` into it at once (rejects,
 * with nothing subscribed, when the log cannot open one). Each chunk becomes an entry; an
 * error becomes the `error` ending (as `safeError` makes it: what every reader will see); a stop request unsubscribes `chunks` (which aborts the
 * service request) and writes the `stopped` ending; a source that completes without `finish`
 * ends with `Network` `ERELAY`. A write the log refuses because the reply is full ends the
 * reply with `ResponseTooLarge`; a write it cannot make (store unreachable, lease lost) leaves
 * the rest of the reply to the producing client only, without event ids. Entries are written one
 * at a time; what comes during a write waits (consecutive texts joined into one entry), at most
 * `maxPendingChars` characters of it, past which the reply ends with `ResponseTooLarge` and
 * `chunks` is unsubscribed at once (a synchronous source too). An `InvalidRequest` that `chunks`
 * raises on subscription, before any chunk, is the production's `refused`. When `stillWanted()`
 * is false once the reply is open (its client left meanwhile), `chunks` is never subscribed and
 * the reply ends `stopped`.
 */
export const produceReply = async (
  log: ReplyLog,
  owner: string,
  chunks: Observable<Chunk>,
  safeError: (e: unknown) => YqcloudError = asYqcloudError,
  maxPendingChars: number = defaultMaxPendingChars,
  stillWanted: () => boolean = () => true,
): Promise<Production> => {
  const producer = await log.open(owner);
  const { replyId, signal } = producer;
  if (!stillWanted()) {
    // Its client left while the reply was opened: nothing is asked of the service.
    await producer.append({ type: 'stopped' }).catch(() => undefined);
    await producer.close();
    return { replyId, events: EMPTY, done: Promise.resolve(), refused: undefined };
  }
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
  let subscribing = true;
  let sawChunk = false;
  let refused: YqcloudError | undefined;

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
          tap(() => {
            sawChunk = true;
          }),
          map(entryOf),
          catchError((e: unknown) => {
            const error = safeError(e);
            if (subscribing && !sawChunk && YqcloudError.is(e, 'InvalidRequest')) refused = error;
            return of<ReplyEntry>({ type: 'error', error });
          }),
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
    writeInOrder(entries$, write, maxPendingChars).subscribe({
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
  subscribing = false;
  return { replyId, events, done, refused };
};
