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

/** `a` then `b`, in a new array (a held sequence and a piece too short to finish it). */
const joined = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const bytes = new Uint8Array(a.length + b.length);
  bytes.set(a);
  bytes.set(b, a.length);
  return bytes;
};

/**
 * The character of a whole, well-formed sequence: `held` (its start) and then `rest`'s first
 * bytes, `length` bytes in all.
 */
const sequenceCharacter = (held: Uint8Array, rest: Uint8Array, length: number): string => {
  const byte = (i: number): number => (i < held.length ? (held[i] as number) : (rest[i - held.length] as number));
  const lead = byte(0);
  let codePoint = lead & (length === 2 ? 0x1f : length === 3 ? 0x0f : 0x07);
  for (let i = 1; i < length; i++) codePoint = (codePoint << 6) | (byte(i) & 0x3f);
  return String.fromCodePoint(codePoint);
};

class StreamingUtf8Decoder implements Utf8Decoder {
  /** The start of a sequence a piece cut, waiting for the rest: 1 to 3 bytes. */
  #held: Uint8Array | undefined;
  #atStart = true;
  /** Whether the reply's last long piece was ASCII (replies are mostly one script or another). */
  #ascii = true;

  push(piece: Uint8Array | string): string {
    if (typeof piece === 'string') {
      const text = this.#held === undefined ? piece : this.#decodeWhole(this.#held) + piece;
      this.#held = undefined;
      if (text !== '') this.#atStart = false;
      return text;
    }
    let from = 0;
    let first = '';
    const held = this.#held;
    if (held !== undefined) {
      // The continuation bytes that finish the held sequence (fewer when one may not follow).
      const lead = held[0] as number;
      const needed = sequenceLength(lead);
      let have = held.length;
      while (have < needed && from < piece.length) {
        const byte = piece[from] as number;
        if (byte < 0x80 || byte > 0xbf || (have === 1 && !mayFollow(lead, byte))) break;
        have++;
        from++;
      }
      if (have < needed && from === piece.length) {
        this.#held = joined(held, piece);
        return '';
      }
      this.#held = undefined;
      // A sequence broken off by a byte that may not follow is one U+FFFD, as the Encoding
      // Standard says; that byte starts afresh.
      first = have === needed ? sequenceCharacter(held, piece, needed) : '\uFFFD';
    }
    const cut = cutSequenceStart(piece);
    if (cut < piece.length) this.#held = Uint8Array.prototype.slice.call(piece, cut);
    const rest =
      cut > from ? this.#decodeWhole(from === 0 && cut === piece.length ? piece : view(piece, from, cut)) : '';
    return this.#fromStart(first === '' ? rest : first + rest);
  }

  end(): string {
    if (this.#held === undefined) return '';
    const text = this.#decodeWhole(this.#held);
    this.#held = undefined;
    return this.#fromStart(text);
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
