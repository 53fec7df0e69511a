/**
 * A provider for relay specs that paces its reply: `words` words (`w0 w1 …`) 20 ms apart, then
 * `finish`; it counts the replies it was asked for and those it was made to abandon.
 */
import { concat, interval, map, Observable, of, take } from 'rxjs';
import { finish, text, type Chunk } from '../../lib/core/chunk.js';
import type { ChatProvider } from '../../lib/session/index.js';

/** The whole text of a reply of {@link pacedProvider} with `words` words. */
export const pacedText = (words: number): string => Array.from({ length: words }, (_, i) => `w${i} `).join('');

/** A paced provider, with its counters. */
export const pacedProvider = (
  words: number,
): ChatProvider & { readonly created: () => number; readonly abandoned: () => number } => {
  let created = 0;
  let abandoned = 0;
  return {
    created: () => created,
    abandoned: () => abandoned,
    create: () =>
      new Observable<Chunk>((subscriber) => {
        created += 1;
        let done = false;
        const inner = concat(
          interval(20).pipe(
            take(words),
            map((i) => text(`w${i} `)),
          ),
          of(finish),
        ).subscribe({
          next: (chunk) => subscriber.next(chunk),
          error: (e: unknown) => subscriber.error(e),
          complete: () => {
            done = true;
            subscriber.complete();
          },
        });
        return () => {
          if (!done) abandoned += 1;
          inner.unsubscribe();
        };
      }),
  };
};
