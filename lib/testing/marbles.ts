/**
 * Small helpers that make marble tests of chunk streams short.
 *
 * @module
 */
import { finish, text, type Chunk, type TextChunk } from '../index.js';

/**
 * Text chunks for marble values: each letter of a string stands for a chunk of that letter, or
 * a record maps letters to texts.
 *
 * @example
 * ```ts
 * textChunks('ab');                   // { a: text('a'), b: text('b') }
 * textChunks({ a: 'Hel', b: 'lo' });  // { a: text('Hel'), b: text('lo') }
 * ```
 */
export const textChunks = (letters: string | Readonly<Record<string, string>>): Readonly<Record<string, TextChunk>> =>
  typeof letters === 'string'
    ? Object.fromEntries([...letters].map((letter) => [letter, text(letter)]))
    : Object.fromEntries(Object.entries(letters).map(([letter, value]) => [letter, text(value)]));

/**
 * Marble values for a reply: the text chunks of {@link textChunks} plus `F` for `finish`.
 *
 * @example
 * ```ts
 * expectObservable(reply$).toBe('-a-b-(F|)', replyValues({ a: 'Hel', b: 'lo' }));
 * ```
 */
export const replyValues = (letters: string | Readonly<Record<string, string>>): Readonly<Record<string, Chunk>> => ({
  ...textChunks(letters),
  F: finish,
});

const upper = 'ABDEGHIJKLMNOPQRSTUVWXYZ';

/**
 * The letter of the n-th text chunk: `a`…`z`, then capitals but `C` and `F`, then one character
 * each beyond Latin-1 (no surrogates).
 */
const textLetter = (n: number): string => {
  if (n < 26) return String.fromCharCode(97 + n);
  if (n < 26 + upper.length) return upper.charAt(n - 26);
  const unit = 0x100 + n - 26 - upper.length;
  return String.fromCharCode(unit < 0xd800 ? unit : unit + 0x800);
};

/**
 * The other way: a synchronous marble and its values for a list of chunks (text chunks get
 * letters `a`, `b`, … in order, each its own, finish `F`, a conversation `C`), for comparing or
 * printing a recorded stream.
 *
 * @example
 * ```ts
 * toMarble([text('Hi'), finish]); // { marble: '(aF|)', values: { a: text('Hi'), F: finish } }
 * ```
 */
export const toMarble = (
  chunks: ReadonlyArray<Chunk>,
): { readonly marble: string; readonly values: Readonly<Record<string, Chunk>> } => {
  let texts = 0;
  const lettered = chunks.map((chunk) => {
    const letter = chunk.type === 'finish' ? 'F' : chunk.type === 'conversation' ? 'C' : textLetter(texts++);
    return [letter, chunk] as const;
  });
  return { marble: `(${lettered.map(([letter]) => letter).join('')}|)`, values: Object.fromEntries(lettered) };
};
