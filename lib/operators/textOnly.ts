import type { OperatorFunction } from 'rxjs';
import { filter, map, pipe } from '#rx';
import { isText, type Chunk } from '../core/chunk.js';

/**
 * The reply's text deltas as strings; conversation and finish chunks are dropped.
 *
 * ```
 * source: --a--b--c--F--|     a = text('Hel'), b = text('lo'), c = conversation, F = finish
 * result: --x--y--------|     x = 'Hel', y = 'lo'
 * ```
 *
 * @example
 * ```ts
 * provider.create({ messages }).pipe(textOnly()).subscribe((delta) => process.stdout.write(delta));
 * ```
 */
export const textOnly = (): OperatorFunction<Chunk, string> =>
  pipe(
    filter(isText),
    map((chunk) => chunk.text),
  );
