/**
 * A reply produced into the reply log (the relay's, the UI message stream's): the provider's
 * chunks are written entry by entry as they come, whoever is reading, and the producing client
 * sees each one with its event id once it is written. The production does not depend on its
 * client: when the client's connection drops the reply goes on (the client resumes: the relay's
 * with `Last-Event-ID`, the AI SDK's by its chat); only a stop request (from any instance) or
 * the reply's own end stops it.
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
import type { Chunk } from '../../core/chunk.js';
import { networkError, YqcloudError } from '../../core/error.js';
import { ReplyWriteRefused } from '../store/replyErrors.js';
import { eventId } from '../store/replyId.js';
import { isEnding, type ReplyEntry, type ReplyLog, type ReplyUsage } from '../store/replyLog.js';
import { stoppableSubscriber } from '../../operators/operatorSubscriber.js';

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

/**
 * How a reply's chunks become entries.
 *
 * @example
 * ```ts
 * const options: ReplyEntriesOptions = { safeError: clientError, usage: () => ({ inputTokens: 9, outputTokens: 2 }) };
 * ```
 */
export interface ReplyEntriesOptions {
  /** An error as every reader will see it (default: a `YqcloudError` as it is, anything else `Network` `ERELAY`). */
  readonly safeError?: ((e: unknown) => YqcloudError) | undefined;
  /** The usage the `finish` entry carries, asked when the reply finishes. */
  readonly usage?: (() => ReplyUsage | undefined) | undefined;
}

const entryOf =
  (usage: ReplyEntriesOptions['usage']) =>
  (chunk: Chunk): ReplyEntry => {
    if (chunk.type === 'text') return { type: 'text', text: chunk.text };
    if (chunk.type === 'conversation') return { type: 'conversation', conversation: chunk.conversation };
    const counted = usage?.();
    return counted === undefined ? { type: 'finish' } : { type: 'finish', usage: counted };
  };

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
 * rest is dropped, the `outrunTheLog` ending written, `entries` let go at once, a synchronous
 * source too). Completes after the first ending written.
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
 * A reply's chunks as its entries, always ending with exactly one ending: each chunk its entry
 * (`finish` with the usage, when counted); an error the `error` ending (as `safeError` makes it:
 * what every reader will see); once `stop$` emits, `chunks` is unsubscribed (which aborts the
 * service request) and the ending is `stopped`; a source that completes without `finish` ends
 * with `Network` `ERELAY`.
 *
 * ```
 * chunks: -a-b-F|        -a-#        -a-b-|        -a-b---
 * stop$:  -------        ----        ------        ----s
 * result: -a-b-F|        -a-(e|)     -a-b-(e|)     -a-b(S|)     F = finish, e = error, S = stopped
 * ```
 */
export const replyEntries = (
  chunks: Observable<Chunk>,
  options: ReplyEntriesOptions = {},
  stop$: Observable<unknown> = EMPTY,
  stopped: () => boolean = () => false,
): Observable<ReplyEntry> => {
  const safeError = options.safeError ?? asYqcloudError;
  return defer(() => {
    let sawEnding = false;
    return concat(
      stopped()
        ? EMPTY
        : chunks.pipe(
            map(entryOf(options.usage)),
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
              stopped()
                ? { type: 'stopped' }
                : { type: 'error', error: networkError('ERELAY', 'the reply ended without its finish') },
            ),
      ),
    );
  });
};

/**
 * What a reply is produced for: how its chunks become entries, and the chat it is the active
 * reply of (the AI SDK's resume names a chat).
 *
 * @example
 * ```ts
 * const options: ProduceReplyOptions = { safeError: clientError, chatId: 'hFq3kZ2pT0aB9xYw' };
 * ```
 */
export interface ProduceReplyOptions extends ReplyEntriesOptions {
  /** The chat the reply is the active reply of, for `owner` (`ReplyLog.activeReply`). */
  readonly chatId?: string | undefined;
  /**
   * The most characters of text that may wait for the log while a write is under way (default
   * {@link defaultMaxPendingChars}): past it the reply ends with `ResponseTooLarge`.
   */
  readonly maxPendingChars?: number | undefined;
  /**
   * Asked once the reply is open: false when its client left meanwhile (default: always true).
   * The source is then never subscribed (no service request) and the reply ends `stopped`.
   */
  readonly stillWanted?: (() => boolean) | undefined;
}

/**
 * Opens a reply for `owner` in `log` and starts producing `chunks` into it at once (rejects,
 * with nothing subscribed, when the log cannot open one), its entries as {@link replyEntries}
 * makes them, a stop request (from any instance) stopping it. A write the log refuses because
 * the reply is full ends the reply with `ResponseTooLarge`; a write it cannot make (store
 * unreachable, lease lost) leaves the rest of the reply to the producing client only, without
 * event ids. Entries are written one at a time; what comes during a write waits (consecutive
 * texts joined into one entry), at most `maxPendingChars` characters of it, past which the reply
 * ends with `ResponseTooLarge` and `chunks` is unsubscribed at once (a synchronous source too).
 * An `InvalidRequest` that `chunks` raises on subscription, before any chunk, is the
 * production's `refused`. When `stillWanted()` is false once the reply is open (its client left
 * meanwhile), `chunks` is never subscribed and the reply ends `stopped`.
 */
export const produceReply = async (
  log: ReplyLog,
  owner: string,
  chunks: Observable<Chunk>,
  options: ProduceReplyOptions = {},
): Promise<Production> => {
  const producer = await log.open(owner, { chatId: options.chatId });
  const { replyId, signal } = producer;
  if (!(options.stillWanted?.() ?? true)) {
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
  let subscribing = true;
  let first = true;
  let refused: YqcloudError | undefined;
  const entries$ = replyEntries(chunks, options, stop$, stopRequested).pipe(
    tap((entry) => {
      // An error that is the first entry, raised while subscribing: the source refused outright.
      if (subscribing && first && entry.type === 'error' && entry.error.kind === 'InvalidRequest')
        refused = entry.error;
      first = false;
    }),
  );

  const done = new Promise<void>((resolve) => {
    writeInOrder(entries$, write, options.maxPendingChars ?? defaultMaxPendingChars).subscribe({
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
