/**
 * Incremental UTF-8 decoding that never assumes a piece ends on a character boundary.
 *
 * @module
 */
import { Observable, type OperatorFunction } from 'rxjs';

/**
 * A stateful decoder: feed it pieces, then end it.
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
  readonly push: (piece: Uint8Array | string) => string;
  /** The text still held (an incomplete sequence at the very end becomes U+FFFD). */
  readonly end: () => string;
}

const streaming: TextDecodeOptions = { stream: true };

/**
 * A new incremental decoder (`TextDecoder` with `stream: true`). Strings pass through as they are.
 * A byte-order mark is dropped only where the body starts; a U+FEFF anywhere later is text.
 *
 * @example
 * ```ts
 * const d = createUtf8Decoder();
 * d.push(new Uint8Array([0xe4, 0xbd])); // ''
 * d.push(new Uint8Array([0xa0]));       // '你'
 * ```
 */
export const createUtf8Decoder = (): Utf8Decoder => {
  // The decoder keeps every U+FEFF: flushing it (before a string piece) would otherwise make it
  // drop the next one as if a new body started there.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let pending = false;
  let atStart = true;
  const fromStart = (text: string): string => {
    if (!atStart || text === '') return text;
    atStart = false;
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  };
  return {
    push: (piece) => {
      if (typeof piece === 'string') {
        const text = pending ? decoder.decode() + piece : piece;
        if (text !== '') atStart = false;
        return text;
      }
      pending = true;
      return fromStart(decoder.decode(piece, streaming));
    },
    end: () => {
      if (!pending) return '';
      pending = false;
      return fromStart(decoder.decode());
    },
  };
};

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
