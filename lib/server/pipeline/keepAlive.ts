/**
 * Keep-alive comments in an SSE stream while its source is silent: one timer per response on a
 * scheduler, never re-armed per value.
 *
 * @module
 */
import type { MonoTypeOperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { asyncScheduler, Observable, tap } from '#rx';

/**
 * The comment sent while the source is silent, so proxies and browsers keep the connection.
 *
 * @example
 * ```ts
 * keepAliveComment; // ': keep-alive\n\n'
 * ```
 */
export const keepAliveComment = ': keep-alive\n\n';

/**
 * The default interval of keep-alive comments: 15 s.
 */
export const defaultKeepAliveMs = 15_000;

/**
 * How {@link keepAlive} fills silences.
 *
 * @example
 * ```ts
 * const options: KeepAliveOptions = { intervalMs: 10_000 };
 * ```
 */
export interface KeepAliveOptions {
  /** Milliseconds of silence before each comment (default 15 000; `0` or less: none). */
  readonly intervalMs?: number | undefined;
  /** What is sent (default {@link keepAliveComment}). */
  readonly comment?: string | undefined;
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * The source's values, with `filler` after each `intervalMs` of silence once `arms` has said yes
 * to a value (from the start when `arms` is absent). One timer for the whole stream: a value only
 * records when it was sent, and the timer, when it fires, waits out what is left of the silence.
 * The source is subscribed with the downstream subscriber, so unsubscribing stops a synchronous
 * source at once.
 */
export const fillSilence =
  <T>(
    intervalMs: number,
    scheduler: SchedulerLike,
    filler: T,
    arms?: (value: T) => boolean,
  ): MonoTypeOperatorFunction<T> =>
  (source) =>
    new Observable<T>((subscriber) => {
      let lastSent = scheduler.now();
      let timer: Subscription | undefined;
      const arm = (): void => {
        if (timer !== undefined || intervalMs <= 0 || subscriber.closed) return;
        timer = scheduler.schedule(function tick() {
          const silentMs = scheduler.now() - lastSent;
          if (silentMs >= intervalMs) {
            lastSent = scheduler.now();
            subscriber.next(filler);
            this.schedule(undefined, intervalMs);
          } else this.schedule(undefined, intervalMs - silentMs);
        }, intervalMs);
        subscriber.add(timer);
      };
      if (arms === undefined) arm();
      source
        .pipe(
          tap((value) => {
            lastSent = scheduler.now();
            if (arms?.(value) === true) arm();
          }),
        )
        .subscribe(subscriber);
    });

/**
 * The source's strings, with `k` (a comment) after each `intervalMs` without one; the timer
 * restarts on every value and stops when the source ends or is unsubscribed. Any SSE stream can
 * use it (the relay's events, OpenAI's `data:` chunks).
 *
 * ```
 * source: -a 20ms b|           intervalMs: 10
 * result: -a 9ms k 9ms k b|
 * ```
 *
 * @example
 * ```ts
 * timer(40_000)
 *   .pipe(map(() => 'data: [DONE]\n\n'), keepAlive({ intervalMs: 15_000 }))
 *   .subscribe((text) => process.stdout.write(text)); // ': keep-alive' at 15 s and 30 s, then 'data: [DONE]' at 40 s
 * ```
 */
export const keepAlive = (options: KeepAliveOptions = {}): MonoTypeOperatorFunction<string> =>
  fillSilence(
    options.intervalMs ?? defaultKeepAliveMs,
    options.scheduler ?? asyncScheduler,
    options.comment ?? keepAliveComment,
  );
