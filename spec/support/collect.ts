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
import type { Chunk } from '../../lib/core/chunk.js';
import type { YqcloudError } from '../../lib/core/error.js';

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

/**
 * A reply's chunks and the `YqcloudError` it failed with (no `error` key when it completed):
 * {@link collect} for provider streams, whose every failure is a `YqcloudError`.
 *
 * @example
 * ```ts
 * const { chunks, error } = await collectReply(provider.create({ messages }));
 * ```
 */
export const collectReply = async (
  reply$: Observable<Chunk>,
): Promise<{ readonly chunks: ReadonlyArray<Chunk>; readonly error?: YqcloudError }> => {
  const { values, error, completed } = await collect(reply$);
  return completed ? { chunks: values } : { chunks: values, error: error as YqcloudError };
};

/** The text of a reply's chunks, joined. */
export const textOf = (chunks: ReadonlyArray<Chunk>): string =>
  chunks.map((chunk) => (chunk.type === 'text' ? chunk.text : '')).join('');
