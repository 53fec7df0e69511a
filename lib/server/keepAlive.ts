/**
 * Keep-alive comments in an SSE text stream while its source is silent.
 *
 * @module
 */
import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

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
 *
 * @example
 * ```ts
 * keepAlive({ intervalMs: defaultKeepAliveMs * 2 });
 * ```
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
  readonly intervalMs?: number;
  /** What is sent (default {@link keepAliveComment}). */
  readonly comment?: string;
  readonly scheduler?: SchedulerLike;
}

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
export const keepAlive =
  (options: KeepAliveOptions = {}): OperatorFunction<string, string> =>
  (source) =>
    new Observable<string>((subscriber) => {
      const intervalMs = options.intervalMs ?? defaultKeepAliveMs;
      const comment = options.comment ?? keepAliveComment;
      const scheduler = options.scheduler ?? asyncScheduler;
      // One timer for the whole response: a value only records when it was sent, and the timer,
      // when it fires, waits out what is left of the silence. Re-arming a timer per value cost
      // the relay a clearInterval and a setInterval on every chunk.
      let lastSent = scheduler.now();
      let timer: Subscription | undefined;
      const stop = (): void => {
        timer?.unsubscribe();
        timer = undefined;
      };
      if (intervalMs > 0)
        timer = scheduler.schedule(function tick() {
          const silentMs = scheduler.now() - lastSent;
          if (silentMs >= intervalMs) {
            lastSent = scheduler.now();
            subscriber.next(comment);
            this.schedule(undefined, intervalMs);
          } else this.schedule(undefined, intervalMs - silentMs);
        }, intervalMs);
      const upstream = source.subscribe({
        next: (value) => {
          lastSent = scheduler.now();
          subscriber.next(value);
        },
        error: (e: unknown) => {
          stop();
          subscriber.error(e);
        },
        complete: () => {
          stop();
          subscriber.complete();
        },
      });
      return () => {
        stop();
        upstream.unsubscribe();
      };
    });
