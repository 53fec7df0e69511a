import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { asyncScheduler, Observable } from '#rx';
import { text, type Chunk } from '../core/chunk.js';
import { createOperatorSubscriber } from './operatorSubscriber.js';
import { durationMs, nonNegative, oneOf, readOptions } from '../core/optionCheck.js';
import { schedulerOption, withOptions } from './options.js';
import { cutAt, finerBoundaries, textBoundaries, type TextBoundary } from './textBoundary.js';

/**
 * How `bufferText` coalesces.
 *
 * @example
 * ```ts
 * const options: BufferTextOptions = { timeMs: 100, boundary: 'word' };
 * ```
 */
export interface BufferTextOptions {
  /** Emit what is pending this long after the first of it arrived (default `50` when `maxChars` is not set). */
  readonly timeMs?: number | undefined;
  /** Emit as soon as this many characters are pending (cut on the boundary when one is set). */
  readonly maxChars?: number | undefined;
  /** End emitted pieces on this boundary (but for flushes and `maxWaitMs`). */
  readonly boundary?: TextBoundary | undefined;
  /**
   * With `boundary`: text that found none for this long is cut on the next finer boundary that
   * has one (a word, else a grapheme), so a reply without any still flows (default `10 · timeMs`).
   */
  readonly maxWaitMs?: number | undefined;
  /** The scheduler for `timeMs` (default `asyncScheduler`; a `TestScheduler` in marble tests). */
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * Coalesces consecutive text chunks so a UI repaints a few times a second instead of once per
 * network piece. Pending text is emitted `timeMs` after the first piece that found nothing
 * pending, and again every `timeMs` while text is pending, or once `maxChars` are pending. With a
 * `boundary`, a piece is cut on the last Unicode word, sentence, line or grapheme boundary
 * (`Intl.Segmenter`: Chinese and Japanese without spaces have words and sentences, `。」` and
 * `！）` end with the sentence they close, an emoji with its modifiers is never split); the text
 * after it waits. Text that finds no boundary for `maxWaitMs` (default `10 · timeMs`) is cut on
 * the next finer one (a word, else a grapheme), so a reply without any still flows. Everything pending
 * is flushed before any non-text chunk, before `finish`, before an error and on completion. No
 * timer outlives the stream.
 *
 * ```
 * bufferText({ timeMs: 3, boundary: 'word' })
 * source: -a-b-c--d-F-----|    a = 'Hel', b = 'lo w', c = 'orld', d = '!', F = finish
 * result: ----x-----(yF)--|    x = 'Hello ' (after 3 frames, cut before 'w'), y = 'world!' (flushed before F)
 *
 * bufferText({ timeMs: 3, boundary: 'sentence' })
 * source: -a--b--c-(F|)        a = '他说：「你', b = '好。」然', c = '后走了！）'
 * result: ----x----(yF|)       x = '他说：「你好。」', y = '然后走了！）'
 * ```
 *
 * @example
 * ```ts
 * provider.create({ messages }).pipe(bufferText({ timeMs: 100, boundary: 'word' })).subscribe(render);
 * ```
 */
export const bufferText = (options?: BufferTextOptions): OperatorFunction<Chunk, Chunk> =>
  withOptions(
    readOptions('bufferText', options, {
      timeMs: durationMs,
      maxChars: nonNegative,
      boundary: oneOf(textBoundaries),
      maxWaitMs: durationMs,
      scheduler: schedulerOption,
    }),
    (o) => {
      const timeMs = o.timeMs ?? (o.maxChars === undefined ? 50 : undefined);
      return buffered(timeMs, o.maxChars, o.boundary, o.maxWaitMs ?? 10 * (timeMs ?? 0), o.scheduler);
    },
  );

const buffered =
  (
    timeMs: number | undefined,
    maxChars: number | undefined,
    boundary: TextBoundary | undefined,
    maxWaitMs: number,
    scheduler: SchedulerLike = asyncScheduler,
  ): OperatorFunction<Chunk, Chunk> =>
  (source) =>
    new Observable<Chunk>((subscriber) => {
      const cut = cutAt(boundary);
      const fallbacks = boundary === undefined ? [] : finerBoundaries(boundary).map(cutAt);
      let pending = '';
      /** When each piece of `pending` arrived: its end in `pending` and the scheduler's time. */
      let arrivals: Array<readonly [end: number, at: number]> = [];
      let timer: Subscription | undefined;

      const stopTimer = (): void => {
        timer?.unsubscribe();
        timer = undefined;
      };
      const emitUpTo = (end: number): void => {
        if (end <= 0) return;
        const piece = pending.slice(0, end);
        pending = pending.slice(end);
        arrivals = arrivals.flatMap(([e, at]) => (e <= end ? [] : [[e - end, at] as const]));
        subscriber.next(text(piece));
      };
      const flush = (): void => {
        stopTimer();
        emitUpTo(pending.length);
      };
      /** Cuts on the boundary, or for text that waited maxWaitMs on the first finer one that has a cut; whether to keep timing. */
      const onTime = (): boolean => {
        const end = cut(pending);
        if (end > 0) {
          emitUpTo(end);
          return true;
        }
        const oldest = arrivals[0]?.[1] ?? scheduler.now();
        if (scheduler.now() - oldest < maxWaitMs) return true;
        for (const fallback of fallbacks) {
          const at = fallback(pending);
          if (at > 0) {
            emitUpTo(at);
            return true;
          }
        }
        return false;
      };
      const startTimer = (): void => {
        if (timeMs === undefined || timer !== undefined || pending === '' || subscriber.closed) return;
        timer = scheduler.schedule(() => {
          timer = undefined;
          if (onTime()) startTimer();
        }, timeMs);
      };

      source.subscribe(
        createOperatorSubscriber<Chunk>(subscriber, {
          next: (chunk) => {
            if (chunk.type !== 'text') {
              flush();
              subscriber.next(chunk);
              return;
            }
            pending += chunk.text;
            arrivals.push([pending.length, scheduler.now()]);
            if (maxChars !== undefined && pending.length >= maxChars) {
              const end = cut(pending);
              if (end > 0) {
                stopTimer();
                emitUpTo(end);
              }
            }
            startTimer();
          },
          error: (e: unknown) => {
            flush();
            subscriber.error(e);
          },
          complete: () => {
            flush();
            subscriber.complete();
          },
        }),
      );

      return stopTimer;
    });
