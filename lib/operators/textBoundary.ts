/**
 * Where a piece of streamed text may be cut: Unicode words, sentences and graphemes
 * (`Intl.Segmenter`, so text without spaces has boundaries too), and line breaks. The end of
 * pending text is never a boundary, as the next piece may still extend its last word, sentence or
 * character.
 *
 * @module
 */

/**
 * Where a coalesced piece of text may end: after a word (with the punctuation and spaces that
 * follow it), after a sentence, after a line break, or between two user-perceived characters
 * (graphemes: an emoji with its modifiers, a ZWJ sequence, a Hangul syllable stay whole).
 *
 * @example
 * ```ts
 * const boundary: TextBoundary = 'sentence';
 * ```
 */
export type TextBoundary = 'word' | 'sentence' | 'line' | 'grapheme';

/**
 * Every boundary, finest last.
 *
 * @example
 * ```ts
 * textBoundaries.includes('word'); // true
 * ```
 */
export const textBoundaries: ReadonlyArray<TextBoundary> = ['sentence', 'line', 'word', 'grapheme'];

const words = new Intl.Segmenter(undefined, { granularity: 'word' });
const sentences = new Intl.Segmenter(undefined, { granularity: 'sentence' });
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Opening brackets and quotes stay with the word they open: `「はい` is cut before `「`, ` "Tell` before `"`. */
const opening = /[\p{Ps}\p{Pi}]$/u;
const straightQuote = /^["']$/;
/** A sentence break is settled once a letter follows it (a lower-case one would have joined the sentences). */
const letter = /\p{L}/u;

/** Whether a segment opens the word after it: an opening bracket, or a straight quote after a space or at the start. */
const opens = (pending: string, s: { readonly index: number; readonly segment: string }): boolean =>
  opening.test(s.segment) ||
  (straightQuote.test(s.segment) && (s.index === 0 || /\s/u.test(pending.charAt(s.index - 1))));

/** The start of the last word-like segment (after any opening punctuation before it), if not at 0. */
const wordCut = (pending: string): number => {
  let cut = 0;
  let previous: { readonly index: number; readonly segment: string } | undefined;
  for (const s of words.segment(pending)) {
    if (s.isWordLike === true && s.index > 0)
      cut = previous !== undefined && opens(pending, previous) ? previous.index : s.index;
    previous = s;
  }
  return cut;
};

/** The start of the last sentence that has a letter, else of the sentence before it. */
const sentenceCut = (pending: string): number => {
  const starts: Array<number> = [];
  for (const s of sentences.segment(pending)) if (s.index > 0) starts.push(s.index);
  const last = starts.at(-1);
  if (last === undefined) return 0;
  return letter.test(pending.slice(last)) ? last : (starts.at(-2) ?? 0);
};

/** The start of the last grapheme. */
const graphemeCut = (pending: string): number => {
  let cut = 0;
  for (const s of graphemes.segment(pending)) cut = s.index;
  return cut;
};

const lineCut = (pending: string): number => pending.lastIndexOf('\n') + 1;

/** `cut` moved back to the start of the grapheme it falls in (ICU's word breaks can split a Hangul syllable from a trailing jamo). */
const onGrapheme =
  (cut: (pending: string) => number) =>
  (pending: string): number => {
    const at = cut(pending);
    if (at === 0) return 0;
    let start = 0;
    for (const g of graphemes.segment(pending)) {
      if (g.index > at) break;
      start = g.index;
    }
    return start;
  };

const cuts: Readonly<Record<TextBoundary, (pending: string) => number>> = {
  word: onGrapheme(wordCut),
  sentence: onGrapheme(sentenceCut),
  line: lineCut,
  grapheme: graphemeCut,
};

/**
 * The length of the longest prefix of `pending` that ends on a boundary and cannot change when
 * more text arrives (0 when there is none); without a boundary, all of it.
 *
 * @example
 * ```ts
 * cutAt('word')('Hello wor');            // 6
 * cutAt('word')('今天天气很好。」我们');  // 8, after the closing 。」
 * cutAt('sentence')('Hi. How are');       // 4
 * cutAt('line')('a\nb');                  // 2
 * cutAt('grapheme')('ok👍🏽');             // 2: the emoji may still get a modifier
 * ```
 */
export const cutAt =
  (boundary: TextBoundary | undefined) =>
  (pending: string): number =>
    boundary === undefined ? pending.length : cuts[boundary](pending);

/**
 * The boundaries to fall back on, in order, when text has waited for `boundary` too long: the
 * next finer ones, down to graphemes.
 *
 * @example
 * ```ts
 * finerBoundaries('sentence'); // ['word', 'grapheme']
 * ```
 */
export const finerBoundaries = (boundary: TextBoundary): ReadonlyArray<TextBoundary> =>
  boundary === 'grapheme' ? [] : boundary === 'word' ? ['grapheme'] : ['word', 'grapheme'];
