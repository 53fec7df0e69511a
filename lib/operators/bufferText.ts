import * as E from '#fp-ts/Either.js';
import { pipe as fpPipe } from '#fp-ts/function.js';
import {
  asyncScheduler,
  Observable,
  throwError,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { text, type Chunk } from '../core/chunk.js';
import { invalidRequest } from '../core/error.js';
import { durationMs, nonNegative, optionsObject, schedulerOption } from './options.js';

/**
 * Where a coalesced piece of text may end.
 *
 * @example
 * ```ts
 * const boundary: TextBoundary = 'sentence';
 * ```
 */
export type TextBoundary = 'word' | 'sentence' | 'line';

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
  /** Emit as soon as this many characters are pending. */
  readonly maxChars?: number | undefined;
  /** Never end an emitted piece inside a word, sentence or line (but for the final flush). */
  readonly boundary?: TextBoundary | undefined;
  /** The scheduler for `timeMs` (default `asyncScheduler`; a `TestScheduler` in marble tests). */
  readonly scheduler?: SchedulerLike | undefined;
}

const boundaries: ReadonlyArray<TextBoundary> = ['word', 'sentence', 'line'];

/**
 * The length of the longest prefix of `pending` that ends on a boundary (0 when there is none).
 *
 * @example
 * ```ts
 * cutAt('word')('Hello wor');            // 6
 * cutAt('sentence')('Hi. How are');       // 4
 * cutAt('line')('a\nb');                  // 2
 * ```
 */
export const cutAt =
  (boundary: TextBoundary | undefined) =>
  (pending: string): number => {
    if (boundary === undefined) return pending.length;
    const pattern = boundary === 'word' ? /\s+/g : boundary === 'line' ? /\n/g : /(?:[.!?…]+["')\]]*\s+)|[。！？]+/g;
    let end = 0;
    for (const match of pending.matchAll(pattern)) end = (match.index ?? 0) + match[0].length;
    return end;
  };

/**
 * Coalesces consecutive text chunks so a UI repaints a few times a second instead of once per
 * network piece. Pending text is emitted `timeMs` after the first piece that found nothing pending
 * (or after the first piece following an emission), or once `maxChars` are pending, cut on the
 * last `boundary` when one is set (text after it waits for the next timer or flush); everything pending is
 * flushed before any non-text chunk, before `finish`, before an error and on completion. No timer
 * outlives the stream.
 *
 * ```
 * bufferText({ timeMs: 3, boundary: 'word' })
 * source: -a-b-c--d-F-----|    a = 'Hel', b = 'lo w', c = 'orld', d = '!', F = finish
 * result: ----x-----(yF)--|    x = 'Hello ' (after 3 frames, cut after the space), y = 'world!' (flushed before F)
 * ```
 *
 * @example
 * ```ts
 * provider.create({ messages }).pipe(bufferText({ timeMs: 100, boundary: 'word' })).subscribe(render);
 * ```
 */
export const bufferText =
  (options?: BufferTextOptions): OperatorFunction<Chunk, Chunk> =>
  (source) => {
    const checked = fpPipe(
      optionsObject('bufferText', options, ['timeMs', 'maxChars', 'boundary', 'scheduler']),
      E.chain((o) =>
        fpPipe(
          E.Do,
          E.apS('timeMs', durationMs('bufferText.timeMs', o.timeMs)),
          E.apS('maxChars', nonNegative('bufferText.maxChars', o.maxChars)),
          E.apS(
            'boundary',
            o.boundary === undefined || boundaries.includes(o.boundary as TextBoundary)
              ? E.right(o.boundary as TextBoundary | undefined)
              : E.left(invalidRequest('bufferText.boundary', `expected one of ${boundaries.join(', ')}`)),
          ),
          E.apS('scheduler', schedulerOption('bufferText.scheduler', o.scheduler)),
        ),
      ),
    );
    if (E.isLeft(checked)) return throwError(() => checked.left);
    const { maxChars, boundary } = checked.right;
    const timeMs = checked.right.timeMs ?? (maxChars === undefined ? 50 : undefined);
    const scheduler = checked.right.scheduler ?? asyncScheduler;
    const cut = cutAt(boundary);

    return new Observable<Chunk>((subscriber) => {
      let pending = '';
      let timer: Subscription | undefined;

      const stopTimer = (): void => {
        timer?.unsubscribe();
        timer = undefined;
      };
      const emitUpTo = (end: number): void => {
        if (end <= 0) return;
        const piece = pending.slice(0, end);
        pending = pending.slice(end);
        subscriber.next(text(piece));
      };
      const flush = (): void => {
        stopTimer();
        emitUpTo(pending.length);
      };
      const startTimer = (): void => {
        if (timeMs === undefined || timer !== undefined || pending === '' || subscriber.closed) return;
        timer = scheduler.schedule(() => {
          timer = undefined;
          emitUpTo(cut(pending));
        }, timeMs);
      };

      const inner = source.subscribe({
        next: (chunk) => {
          if (chunk.type !== 'text') {
            flush();
            subscriber.next(chunk);
            return;
          }
          pending += chunk.text;
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
      });

      return () => {
        stopTimer();
        inner.unsubscribe();
      };
    });
  };
