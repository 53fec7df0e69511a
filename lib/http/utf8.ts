/**
 * Incremental UTF-8 decoding that never assumes a piece ends on a character boundary.
 *
 * @module
 */
import type { OperatorFunction } from 'rxjs';
import { concat, defer, filter, map, of } from '#rx';

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
 * The decoders every reply shares, never left holding bytes: each call decodes whole sequences
 * only (a sequence cut at a piece's end waits, as bytes, in the reply's own decoder). Both keep
 * every U+FEFF; the body's leading one is dropped by the reply's decoder.
 *
 * Node's `TextDecoder` decodes non-streaming calls with V8's decoder and streaming calls with
 * ICU's converter, each the faster for some text (docs/benchmarks.md): `converter` is called
 * streaming, then flushed, so it holds nothing either.
 */
const fastPath = new TextDecoder('utf-8', { ignoreBOM: true });
const converter = new TextDecoder('utf-8', { ignoreBOM: true });
const streaming: TextDecodeOptions = { stream: true };

/**
 * Node's `Buffer.prototype` (of the pieces a Node socket gives) and its own UTF-8 slice, which
 * decodes a range with V8's decoder as `fastPath` does, without a view; `undefined` outside Node.
 * Taken once, so no piece is decoded by anything read through its prototype.
 */
const bufferPrototype = (globalThis as { readonly Buffer?: { readonly prototype: { readonly utf8Slice?: unknown } } })
  .Buffer?.prototype;
const utf8Slice = bufferPrototype?.utf8Slice as ((this: Uint8Array, from: number, to: number) => string) | undefined;

/** Pieces up to this many bytes go to `fastPath` whatever their text. */
const shortPiece = 128;

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

/**
 * `bytes[from, to)` without copying. Not `subarray`: on a Node `Buffer` that makes a `Buffer`
 * through its JavaScript constructor, several times the cost of a plain view.
 */
const view = (bytes: Uint8Array, from: number, to: number): Uint8Array =>
  new Uint8Array(bytes.buffer, bytes.byteOffset + from, to - from);

/** The bits a lead byte of a `length`-byte sequence gives its code point. */
const leadBits = (lead: number, length: number): number => lead & (length === 2 ? 0x1f : length === 3 ? 0x0f : 0x07);

class StreamingUtf8Decoder implements Utf8Decoder {
  /**
   * The start of a sequence a piece cut, waiting for the rest: its lead byte, the code point bits
   * of it and its continuation bytes so far, and how many bytes (1 to 3; 0: none held). Numbers,
   * not bytes: a held sequence costs no allocation.
   */
  #lead = 0;
  #bits = 0;
  #heldLength = 0;
  #atStart = true;
  /** Whether the reply's last long piece was ASCII (replies are mostly one script or another). */
  #ascii = true;

  push(piece: Uint8Array | string): string {
    if (typeof piece === 'string') {
      // What is held is a sequence cut short: one U+FFFD.
      const text = this.#heldLength === 0 ? piece : `\uFFFD${piece}`;
      this.#heldLength = 0;
      if (text !== '') this.#atStart = false;
      return text;
    }
    const length = piece.length;
    let from = 0;
    let first = '';
    if (this.#heldLength > 0) {
      // The continuation bytes that finish the held sequence (fewer when one may not follow).
      const lead = this.#lead;
      const needed = sequenceLength(lead);
      let have = this.#heldLength;
      let bits = this.#bits;
      while (have < needed && from < length) {
        const byte = piece[from] as number;
        if (byte < 0x80 || byte > 0xbf || (have === 1 && !mayFollow(lead, byte))) break;
        bits = (bits << 6) | (byte & 0x3f);
        have++;
        from++;
      }
      if (have < needed && from === length) {
        this.#bits = bits;
        this.#heldLength = have;
        return '';
      }
      this.#heldLength = 0;
      // A sequence broken off by a byte that may not follow is one U+FFFD, as the Encoding
      // Standard says; that byte starts afresh.
      first = have === needed ? String.fromCodePoint(bits) : '\uFFFD';
    }
    const cut = cutSequenceStart(piece);
    if (cut < length) this.#hold(piece, cut);
    const rest = cut > from ? this.#decodeRange(piece, from, cut) : '';
    return this.#fromStart(first === '' ? rest : first + rest);
  }

  end(): string {
    if (this.#heldLength === 0) return '';
    this.#heldLength = 0;
    // A sequence cut short at the very end: one U+FFFD.
    return this.#fromStart('\uFFFD');
  }

  /** Keeps the sequence that starts at `cut`, which the piece ends in the middle of. */
  #hold(piece: Uint8Array, cut: number): void {
    const lead = piece[cut] as number;
    let bits = leadBits(lead, sequenceLength(lead));
    for (let i = cut + 1; i < piece.length; i++) bits = (bits << 6) | ((piece[i] as number) & 0x3f);
    this.#lead = lead;
    this.#bits = bits;
    this.#heldLength = piece.length - cut;
  }

  /**
   * The text of `piece[from, cut)`, whole sequences only: before `from`, continuation bytes
   * that finished a held sequence; from `cut` on, a sequence cut short. A short piece is
   * decoded whole, without a view: its leading continuation bytes decode to one U+FFFD each and
   * its cut sequence to one, and those are sliced off.
   */
  #decodeRange(piece: Uint8Array, from: number, cut: number): string {
    const length = piece.length;
    if (typeof utf8Slice === 'function' && length <= shortPiece && Object.getPrototypeOf(piece) === bufferPrototype)
      return utf8Slice.call(piece, from, cut);
    if (from === 0 && cut === length) return this.#decodeWhole(piece);
    if (length > shortPiece) return this.#decodeWhole(view(piece, from, cut));
    const text = fastPath.decode(piece);
    return text.slice(from, cut === length ? text.length : text.length - 1);
  }

  #decodeWhole(bytes: Uint8Array): string {
    if (bytes.length <= shortPiece || this.#ascii) {
      const text = fastPath.decode(bytes);
      if (bytes.length > shortPiece) this.#ascii = text.length === bytes.length;
      return text;
    }
    const text = converter.decode(bytes, streaming) + converter.decode();
    this.#ascii = text.length === bytes.length;
    return text;
  }

  #fromStart(text: string): string {
    if (!this.#atStart || text === '') return text;
    this.#atStart = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}

/**
 * A new incremental decoder: the text of each piece is what a `TextDecoder` with `stream: true`
 * would give, but decoded by `TextDecoder`s that every reply shares (no converter of its own per
 * reply); only the bytes of a character cut at a piece's end are kept.
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
 */
export const decodeUtf8 = (): OperatorFunction<Uint8Array | string, string> => (source) =>
  defer(() => {
    const decoder = createUtf8Decoder();
    return concat(
      source.pipe(map((piece) => decoder.push(piece))),
      defer(() => of(decoder.end())),
    ).pipe(filter((text) => text !== ''));
  });
