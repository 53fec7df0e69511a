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
 */
export const textBoundaries: ReadonlyArray<TextBoundary> = ['sentence', 'line', 'word', 'grapheme'];

// Made on first use: they load ICU data (docs/benchmarks.md), which a program that imports the
// library without cutting text at boundaries need not pay.
const segmenters = new Map<'word' | 'sentence' | 'grapheme', Intl.Segmenter>();
const segmenter = (granularity: 'word' | 'sentence' | 'grapheme'): Intl.Segmenter => {
  let made = segmenters.get(granularity);
  if (made === undefined) {
    made = new Intl.Segmenter(undefined, { granularity });
    segmenters.set(granularity, made);
  }
  return made;
};

/** Opening brackets and quotes stay with the word they open: `「はい` is cut before `「`, ` "Tell` before `"`. */
const opening = /[\p{Ps}\p{Pi}]$/u;
const straightQuote = /^["']$/;
/** A sentence break is settled once a letter follows it (a lower-case one would have joined the sentences). */
const letter = /\p{L}/u;

/** Whether `segment`, at `index` in `pending`, opens the word after it: an opening bracket, or a straight quote after a space or at the start. */
const opens = (pending: string, segment: string, index: number): boolean =>
  opening.test(segment) || (straightQuote.test(segment) && (index === 0 || /\s/u.test(pending.charAt(index - 1))));

// Only the end of pending text is segmented: iterating a long string's segments, or walking
// back through them, takes time that grows with the square of its length (V8 12: 36,000
// characters in 0.4 s; 50,000 emoji walked back word by word in 9 s).

/** How far back a word boundary is looked for; text with none in this many characters has none. */
const wordWindow = 512;

/** The start of the last word-like segment, or of the opening punctuation before it; 0 when that is the start of `pending`. */
const wordCut = (pending: string): number => {
  let from = Math.max(0, pending.length - wordWindow);
  if (from > 0 && /[\uDC00-\uDFFF]/.test(pending.charAt(from))) from -= 1;
  const tail = pending.slice(from);
  let cut = 0;
  let previous: Intl.SegmentData | undefined;
  for (const s of segmenter('word').segment(tail)) {
    // a segment starting the window may be the end of a longer one: only boundaries inside it count
    if (s.isWordLike === true && s.index > 0)
      cut =
        from +
        (previous !== undefined && opens(pending, previous.segment, from + previous.index) ? previous.index : s.index);
    previous = s;
  }
  return cut;
};

/** The segment before `s`, if any. */
const before = (segments: Intl.Segments, s: Intl.SegmentData): Intl.SegmentData | undefined =>
  s.index === 0 ? undefined : segments.containing(s.index - 1);

/** The start of the last sentence that has a letter, else of the sentence before it. */
const sentenceCut = (pending: string): number => {
  if (pending === '') return 0;
  const segments = segmenter('sentence').segment(pending);
  const last = segments.containing(pending.length - 1);
  if (last === undefined || last.index === 0) return 0;
  return letter.test(last.segment) ? last.index : (before(segments, last)?.index ?? 0);
};

/** The start of the last grapheme. */
const graphemeCut = (pending: string): number =>
  pending === ''
    ? 0
    : (segmenter('grapheme')
        .segment(pending)
        .containing(pending.length - 1)?.index ?? 0);

const lineCut = (pending: string): number => pending.lastIndexOf('\n') + 1;

/** `cut` moved back to the start of the grapheme it falls in (ICU's word breaks can split a Hangul syllable from a trailing jamo). */
const onGrapheme =
  (cut: (pending: string) => number) =>
  (pending: string): number => {
    const at = cut(pending);
    return at === 0 ? 0 : (segmenter('grapheme').segment(pending).containing(at)?.index ?? 0);
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
 */
export const finerBoundaries = (boundary: TextBoundary): ReadonlyArray<TextBoundary> =>
  boundary === 'grapheme' ? [] : boundary === 'word' ? ['grapheme'] : ['word', 'grapheme'];
