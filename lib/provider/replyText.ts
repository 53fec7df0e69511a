/**
 * The reply's text: decoded as it arrives, and kept so that `partialText` and the conversation
 * chunk can give back exactly what the subscriber received.
 *
 * @module
 */
import { createUtf8Decoder } from '../http/utf8.js';
import { createBlockPool, maxBlockBytes, type BlockPool } from './blockPool.js';

/** Byte pieces at least this long are kept as bytes; shorter ones as their decoded text. */
const keepBytesFrom = 2048;
/** This many short pieces kept in a row are joined into one string. */
const joinRun = 16;

/**
 * Whether a decoder that has read `bytes` (after a clean start) holds no incomplete sequence:
 * the last lead byte has all the continuation bytes it announces. Errs towards `false`.
 */
const endsOnCharacter = (bytes: Uint8Array): boolean => {
  const last = bytes.length - 1;
  let lead = last;
  while (lead >= 0 && lead > last - 3 && ((bytes[lead] ?? 0) & 0xc0) === 0x80) lead--;
  const byte = bytes[lead];
  if (byte === undefined) return false;
  const announced = byte < 0x80 ? 1 : byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0;
  return announced === last - lead + 1;
};

/**
 * Decodes the body's pieces and remembers how much of the decoded text was delivered.
 *
 * Short pieces are kept as their decoded text, each run of 16 joined into one string: a string
 * per 32-byte piece lives long enough to be promoted and costs half as much again in headers.
 * At 2,000 concurrent streams of 200 such pieces (the benchmark's concurrency scenario), RSS
 * per stream was ~86 KiB keeping no text, ~99 KiB joining runs of 64 and ~93 KiB runs of 16.
 * Long byte pieces that start on a
 * character are copied into blocks of a {@link BlockPool} and decoded again only when the
 * delivered text is asked for (an error's `partialText`, the conversation chunk): long strings
 * kept alive are copied by every young-generation collection, and the transport's buffers kept
 * alive make V8 collect the whole heap while the next reply streams. Decoding is
 * deterministic, so the second pass yields the characters the subscriber saw. {@link
 * ReplyText.release} gives the blocks back when the reply ends.
 *
 * @example
 * ```ts
 * const reply = createReplyText();
 * const piece = reply.decode(new Uint8Array([0x48, 0x69, 0xe2, 0x82])); // 'Hi' (the '€' is incomplete)
 * reply.delivered(piece);
 * reply.decode(new Uint8Array([0xac]));                                // '€', not delivered
 * reply.deliveredText();                                               // 'Hi'
 * ```
 */
export interface ReplyText {
  /** Decodes one piece of the body (bytes or text) and keeps it; returns the text it completes. */
  readonly decode: (piece: Uint8Array | string) => string;
  /** Decodes what an incomplete sequence at the end of the body leaves. */
  readonly end: () => string;
  /** Records that this decoded text, the next in order, reached the subscriber. */
  readonly delivered: (text: string) => void;
  /** Everything delivered so far, in order. */
  readonly deliveredText: () => string;
  /** Whether no text has been delivered. */
  readonly nothingDelivered: () => boolean;
  /** Gives the blocks back to the pool; the reply is over, nothing else may be asked of it. */
  readonly release: () => void;
}

/**
 * A new {@link ReplyText} for one response body, keeping its long pieces in blocks of `pool`
 * (by default a pool of its own that keeps nothing for reuse).
 *
 * @example
 * ```ts
 * const reply = createReplyText();
 * reply.delivered(reply.decode('Hello'));
 * reply.deliveredText(); // 'Hello'
 * ```
 */
export const createReplyText = (pool: BlockPool = createBlockPool(0)): ReplyText => {
  const decoder = createUtf8Decoder();
  const kept: Array<Uint8Array | string> = [];
  const blocks: Array<Uint8Array> = [];
  let block: Uint8Array = new Uint8Array(0);
  let used = 0;
  let clean = true;
  let run = 0;
  let first = true;
  // The kept piece the body starts with, whose byte-order mark the decoder dropped.
  let startIndex = -1;
  let deliveredChars = 0;
  const keepText = (text: string): void => {
    if (text === '') return;
    kept.push(text);
    if (++run < joinRun) return;
    kept.push(kept.splice(kept.length - run, run).join(''));
    run = 0;
  };
  const copy = (piece: Uint8Array): Uint8Array => {
    if (piece.byteLength > maxBlockBytes) return piece;
    if (block.byteLength - used < piece.byteLength) {
      block = pool.take(Math.max(piece.byteLength, block.byteLength * 2));
      blocks.push(block);
      used = 0;
    }
    const view = block.subarray(used, used + piece.byteLength);
    view.set(piece);
    used += piece.byteLength;
    return view;
  };
  const decodeAlone = (piece: Uint8Array, index: number): string => {
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(piece, { stream: true });
    return index === startIndex && text.startsWith('\uFEFF') ? text.slice(1) : text;
  };
  return {
    decode: (piece) => {
      const text = decoder.push(piece);
      if (typeof piece !== 'string' && piece.byteLength >= keepBytesFrom && clean) {
        if (first) startIndex = kept.length;
        kept.push(copy(piece));
        run = 0;
      } else keepText(text);
      clean = typeof piece === 'string' || endsOnCharacter(piece);
      first &&= piece.length === 0;
      return text;
    },
    end: () => {
      const rest = decoder.end();
      keepText(rest);
      return rest;
    },
    delivered: (text) => {
      deliveredChars += text.length;
    },
    deliveredText: () => {
      if (deliveredChars === 0) return '';
      const texts = kept.map((piece, index) => (typeof piece === 'string' ? piece : decodeAlone(piece, index)));
      return texts.join('').slice(0, deliveredChars);
    },
    nothingDelivered: () => deliveredChars === 0,
    release: () => {
      kept.length = 0;
      pool.give(blocks.splice(0));
      block = new Uint8Array(0);
      used = 0;
    },
  };
};
