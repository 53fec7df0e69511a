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
} from 'rxjs';
import type { Chunk } from '../../core/chunk.js';
import { networkError, YqcloudError } from '../../core/error.js';
import { ReplyWriteRefused } from '../store/replyErrors.js';
import { eventId } from '../store/replyId.js';
import { isEnding, type ReplyEntry, type ReplyLog, type ReplyUsage } from '../store/replyLog.js';

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
  readonly chatId?: string | undefined;
}

/**
 * Opens a reply for `owner` in `log` and starts producing `chunks` into it at once (rejects,
 * with nothing subscribed, when the log cannot open one), its entries as {@link replyEntries}
 * makes them, a stop request (from any instance) stopping it. A write the log refuses because
 * the reply is full ends the reply with `ResponseTooLarge`; a write it cannot make (store
 * unreachable, lease lost) leaves the rest of the reply to the producing client only, without
 * event ids.
 */
export const produceReply = async (
  log: ReplyLog,
  owner: string,
  chunks: Observable<Chunk>,
  options: ProduceReplyOptions = {},
): Promise<Production> => {
  const producer = await log.open(owner, { chatId: options.chatId });
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
  const entries$ = replyEntries(chunks, options, stop$, stopRequested);

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
