/**
 * One reply's lifecycle, measured once and reported to watchers (OpenTelemetry, diagnostics
 * channels): its start, its first chunk, its text, and how it ended.
 *
 * @module
 */
import type { OperatorFunction, SchedulerLike } from 'rxjs';
import { Observable, tap } from '#rx';
import type { Chunk } from '../core/chunk.js';
import { failureOfUnsubscription } from './failedUnsubscription.js';

/**
 * How a reply ended: `finished` (its `finish` chunk came, then completion), `error` (its own, or
 * one of an operator downstream that let go of it because the reply failed, as `withTimeouts`
 * does), or `cancelled` (unsubscribed before its end, or completed without `finish`, as an
 * aborted `signal` ends it).
 *
 * @example
 * ```ts
 * const failed = (outcome: ReplyOutcome): boolean => outcome === 'error';
 * ```
 */
export type ReplyOutcome = 'finished' | 'error' | 'cancelled';

/**
 * What a watcher is told when a reply ends. Times are in milliseconds of the scheduler's clock.
 */
export interface ReplySummary {
  readonly outcome: ReplyOutcome;
  /** The error, when `outcome` is `error`. */
  readonly error?: unknown;
  /** From subscription to the end. */
  readonly durationMs: number;
  /** From subscription to the first chunk, if one came. */
  readonly timeToFirstChunkMs: number | undefined;
  /** Text chunks that passed. */
  readonly chunks: number;
  /** Characters (Unicode code points) of the text that passed. */
  readonly characters: number;
  /** The userId of the conversation chunk that passed, if one did. */
  readonly conversationId: string | undefined;
}

/**
 * A watcher of one reply. `start` must call `subscribe` once, synchronously (inside whatever
 * context it sets up); the other callbacks follow. A watcher's exception never reaches the reply.
 */
export interface ReplyWatch {
  readonly start: (subscribe: () => void) => void;
  readonly firstChunk?: (timeToFirstChunkMs: number) => void;
  /** Each text chunk's text; only for a watcher that records the reply. */
  readonly text?: (text: string) => void;
  readonly end: (summary: ReplySummary) => void;
}

const codePoints = (text: string): number => {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
};

const quietly = (f: () => void): void => {
  try {
    f();
  } catch {
    // A watcher's failure (an exporter's, a channel subscriber's) is not the reply's.
  }
};

/**
 * Passes a reply through unchanged while reporting its lifecycle to the watchers `open` gives
 * for each subscription (none: the source is subscribed as it is). Built on `tap`, so it keeps
 * RxJS's contract: unsubscribing stops the source, synchronous ones included.
 */
export const watchReply =
  (open: () => ReadonlyArray<ReplyWatch>, scheduler: SchedulerLike): OperatorFunction<Chunk, Chunk> =>
  (source) =>
    new Observable<Chunk>((subscriber) => {
      const watches = open();
      if (watches.length === 0) {
        source.subscribe(subscriber);
        return undefined;
      }
      const startedAt = scheduler.now();
      let firstAt: number | undefined;
      let chunks = 0;
      let characters = 0;
      let finished = false;
      let conversationId: string | undefined;
      let ended = false;
      const recordsText = watches.some((watch) => watch.text !== undefined);

      const end = (outcome: ReplyOutcome, error?: unknown): void => {
        if (ended) return;
        ended = true;
        const summary: ReplySummary = {
          outcome,
          ...(outcome === 'error' ? { error } : {}),
          durationMs: scheduler.now() - startedAt,
          timeToFirstChunkMs: firstAt === undefined ? undefined : firstAt - startedAt,
          chunks,
          characters,
          conversationId,
        };
        for (const watch of watches) quietly(() => watch.end(summary));
      };

      const watched = source.pipe(
        tap({
          next: (chunk) => {
            if (firstAt === undefined) {
              const at = scheduler.now();
              firstAt = at;
              for (const watch of watches) quietly(() => watch.firstChunk?.(at - startedAt));
            }
            if (chunk.type === 'text') {
              chunks++;
              characters += codePoints(chunk.text);
              if (recordsText) for (const watch of watches) quietly(() => watch.text?.(chunk.text));
            } else if (chunk.type === 'finish') finished = true;
            else conversationId = chunk.conversation.userId;
          },
          error: (e: unknown) => end('error', e),
          complete: () => end(finished ? 'finished' : 'cancelled'),
          unsubscribe: () => {
            const failure = failureOfUnsubscription();
            if (failure === undefined) end('cancelled');
            else end('error', failure.error);
          },
        }),
      );
      const subscribe = watches.reduceRight<() => void>(
        (inner, watch) => () => {
          let called = false;
          quietly(() =>
            watch.start(() => {
              called = true;
              inner();
            }),
          );
          if (!called) inner();
        },
        () => {
          watched.subscribe(subscriber);
        },
      );
      subscribe();
      return undefined;
    });
