import type { OperatorFunction } from 'rxjs';
import { filter, map, pipe, scan } from '#rx';
import { isText, type Chunk } from '../core/chunk.js';

/**
 * The running snapshot of the reply: one string per text chunk, each the whole text so far.
 *
 * ```
 * source: --a--b--F--|     a = text('Hel'), b = text('lo'), F = finish
 * result: --x--y-----|     x = 'Hel', y = 'Hello'
 * ```
 *
 * @example
 * ```ts
 * provider.create({ messages }).pipe(accumulateText()).subscribe((reply) => (element.textContent = reply));
 * ```
 */
export const accumulateText = (): OperatorFunction<Chunk, string> =>
  pipe(
    filter(isText),
    map((chunk) => chunk.text),
    scan((reply, piece) => reply + piece, ''),
  );
