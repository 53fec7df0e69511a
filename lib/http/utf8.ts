/**
 * Incremental UTF-8 decoding that never assumes a piece ends on a character boundary.
 *
 * @module
 */
import { Observable, type OperatorFunction } from 'rxjs';

/**
 * A stateful decoder: feed it pieces, then end it. Its methods are called on it (not detached):
 * one decoder per reply, many replies at once, share the methods' code and keep their state in
 * one object.
 *
 * @example
 * ```ts
 * const d: Utf8Decoder = createUtf8Decoder();
 * d.push(new Uint8Array([0x48, 0xc3])); // 'H' (the é is not complete yet)
 * d.push(new Uint8Array([0xa9]));       // 'é'
 * d.end();                              // ''
 * ```
 */
export interface Utf8Decoder {
  /** The text completed by this piece; a character split at its end is kept for the next. */
  push(piece: Uint8Array | string): string;
  /** The text still held (an incomplete sequence at the very end becomes U+FFFD). */
  end(): string;
}

/**
 * One decoder for every reply, never left holding bytes: each call decodes whole sequences only
 * (a sequence cut at a piece's end waits, as bytes, in the reply's own decoder). It keeps every
 * U+FEFF; the body's leading one is dropped by the reply's decoder.
 */
const wholeSequences = new TextDecoder('utf-8', { ignoreBOM: true });

/** How many bytes a sequence that starts with `lead` has; 1 for a byte that cannot start one. */
const sequenceLength = (lead: number): number => {
  if (lead >= 0xf5) return 1;
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  return lead >= 0xc2 ? 2 : 1;
};

/** Whether `second`, a continuation byte, may follow `lead` (the Encoding Standard's bounds). */
const mayFollow = (lead: number, second: number): boolean => {
  switch (lead) {
    case 0xe0:
      return second >= 0xa0;
    case 0xed:
      return second <= 0x9f;
    case 0xf0:
      return second >= 0x90;
    case 0xf4:
      return second <= 0x8f;
    default:
      return true;
  }
};

/**
 * Where the sequence that `bytes` ends in the middle of starts, or `bytes.length` when they end
 * on a boundary: a lead byte among the last four, followed by fewer continuation bytes than it
 * needs, all of which may follow it (a streaming decoder would hold exactly these back).
 */
const cutSequenceStart = (bytes: Uint8Array): number => {
  const end = bytes.length;
  for (let i = end - 1; i >= 0 && i >= end - 4; i--) {
    const byte = bytes[i] as number;
    if (byte < 0x80) return end;
    if (byte < 0xc0) continue;
    const needed = sequenceLength(byte);
    if (end - i >= needed) return end;
    return end - i >= 2 && !mayFollow(byte, bytes[i + 1] as number) ? end : i;
  }
  return end;
};

class StreamingUtf8Decoder implements Utf8Decoder {
  /** The start of a sequence the last piece cut, waiting for the rest. */
  #held: Uint8Array | undefined;
  #atStart = true;

  push(piece: Uint8Array | string): string {
    if (typeof piece === 'string') {
      const text = this.#held === undefined ? piece : wholeSequences.decode(this.#held) + piece;
      this.#held = undefined;
      if (text !== '') this.#atStart = false;
      return text;
    }
    let bytes = piece;
    if (this.#held !== undefined) {
      bytes = new Uint8Array(this.#held.length + piece.length);
      bytes.set(this.#held);
      bytes.set(piece, this.#held.length);
      this.#held = undefined;
    }
    const cut = cutSequenceStart(bytes);
    if (cut < bytes.length) {
      this.#held = bytes.slice(cut);
      bytes = bytes.subarray(0, cut);
    }
    return bytes.length === 0 ? '' : this.#fromStart(wholeSequences.decode(bytes));
  }

  end(): string {
    if (this.#held === undefined) return '';
    const text = wholeSequences.decode(this.#held);
    this.#held = undefined;
    return this.#fromStart(text);
  }

  #fromStart(text: string): string {
    if (!this.#atStart || text === '') return text;
    this.#atStart = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}

/**
 * A new incremental decoder: the text of each piece is what a `TextDecoder` with `stream: true`
 * would give, but decoded by one shared, non-streaming `TextDecoder` (its fast path, and no
 * converter of its own per reply); only the bytes of a character cut at a piece's end are kept.
 * Strings pass through as they are. A byte-order mark is dropped only where the body starts; a
 * U+FEFF anywhere later is text.
 *
 * @example
 * ```ts
 * const d = createUtf8Decoder();
 * d.push(new Uint8Array([0xe4, 0xbd])); // ''
 * d.push(new Uint8Array([0xa0]));       // '你'
 * ```
 */
export const createUtf8Decoder = (): Utf8Decoder => new StreamingUtf8Decoder();

/**
 * Decodes a stream of UTF-8 pieces into text, emitting as soon as characters are complete and
 * never emitting an empty string.
 *
 * ```
 * source:  --[e4 bd]--[a0 41]--|
 * result:  -----------'你A'----|
 * ```
 *
 * @example
 * ```ts
 * of(new Uint8Array([0x48, 0xc3]), new Uint8Array([0xa9])).pipe(decodeUtf8()).subscribe((text) => process.stdout.write(text)); // 'H', 'é'
 * ```
 */
export const decodeUtf8 = (): OperatorFunction<Uint8Array | string, string> => (source) =>
  new Observable<string>((subscriber) => {
    const decoder = createUtf8Decoder();
    return source.subscribe({
      next: (piece) => {
        const text = decoder.push(piece);
        if (text !== '') subscriber.next(text);
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => {
        const rest = decoder.end();
        if (rest !== '') subscriber.next(rest);
        subscriber.complete();
      },
    });
  });
