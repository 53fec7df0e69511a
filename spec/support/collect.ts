/**
 * Runs an observable to its end and keeps everything it said, so a test can assert on the
 * chunks and the error together.
 *
 * @example
 * ```ts
 * const { chunks, error } = await collect(provider.create({ messages }));
 * ```
 */
import type { Observable } from 'rxjs';

/** Everything an observable emitted, and how it ended. */
export interface Collected<A> {
  readonly values: ReadonlyArray<A>;
  /** The error it failed with, or `undefined` when it completed. */
  readonly error: unknown;
  readonly completed: boolean;
}

/**
 * Subscribes and resolves when the observable completes or fails (never rejects).
 *
 * @example
 * ```ts
 * const { values, completed } = await collect(of(1, 2));
 * ```
 */
export const collect = <A>(source: Observable<A>): Promise<Collected<A>> =>
  new Promise((resolve) => {
    const values: Array<A> = [];
    source.subscribe({
      next: (value) => values.push(value),
      error: (error: unknown) => resolve({ values, error, completed: false }),
      complete: () => resolve({ values, error: undefined, completed: true }),
    });
  });
