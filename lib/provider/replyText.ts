/**
 * The reply's text: decoded as it arrives, and kept so that `partialText` and the conversation
 * chunk can give back exactly what the subscriber received.
 *
 * @module
 */
import { createUtf8Decoder } from '../http/utf8.js';
import { createBlockPool, type BlockPool } from './blockPool.js';

/**
 * Decodes the body's pieces and remembers how much of the decoded text was delivered.
 *
 * Byte pieces are copied, one after another, into blocks of a {@link BlockPool}; the delivered
 * text is asked for rarely (an error's `partialText`, the conversation chunk) and is then decoded
 * again from the blocks by the same incremental decoder, which yields the characters the
 * subscriber saw (a piece boundary inside a character, a byte-order mark and all). Blocks rather
 * than the transport's buffers or the decoded strings: strings kept alive are copied by young-
 * generation collections and cost a header each, and buffers kept alive grow external memory
 * until V8 collects the whole heap while the next reply streams. {@link ReplyText.release} gives
 * the blocks back when the reply ends. String pieces (from a test transport) are kept as they are.
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
 * A {@link ReplyText} that keeps nothing (the request's `keepText: false`): it decodes and counts
 * the delivered characters, and its `deliveredText` is always `''`.
 *
 * @example
 * ```ts
 * const reply = createUnkeptReplyText();
 * reply.delivered(reply.decode('Hello'));
 * reply.deliveredText();    // ''
 * reply.nothingDelivered(); // false
 * ```
 */
export const createUnkeptReplyText = (): ReplyText => {
  const decoder = createUtf8Decoder();
  let deliveredAny = false;
  return {
    decode: decoder.push,
    end: decoder.end,
    delivered: (text) => {
      if (text !== '') deliveredAny = true;
    },
    deliveredText: () => '',
    nothingDelivered: () => !deliveredAny,
    release: () => undefined,
  };
};

/**
 * A new {@link ReplyText} for one response body, keeping its bytes in blocks of `pool` (by
 * default a pool of its own that keeps nothing for reuse).
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
  // The body so far, in order: runs of bytes (views into blocks) and string pieces, then the
  // open run block[from, used).
  const kept: Array<Uint8Array | string> = [];
  const blocks: Array<Uint8Array> = [];
  let block: Uint8Array = new Uint8Array(0);
  let from = 0;
  let used = 0;
  let deliveredChars = 0;
  const closeRun = (): void => {
    if (used > from) kept.push(block.subarray(from, used));
    from = used;
  };
  const keepBytes = (bytes: Uint8Array): void => {
    for (let offset = 0; offset < bytes.byteLength; ) {
      if (used === block.byteLength) {
        closeRun();
        block = pool.take(Math.max(bytes.byteLength - offset, block.byteLength * 2));
        blocks.push(block);
        from = used = 0;
      }
      const n = Math.min(bytes.byteLength - offset, block.byteLength - used);
      block.set(n === bytes.byteLength ? bytes : bytes.subarray(offset, offset + n), used);
      used += n;
      offset += n;
    }
  };
  return {
    decode: (piece) => {
      if (typeof piece === 'string') {
        closeRun();
        kept.push(piece);
      } else keepBytes(piece);
      return decoder.push(piece);
    },
    end: decoder.end,
    delivered: (text) => {
      deliveredChars += text.length;
    },
    deliveredText: () => {
      if (deliveredChars === 0) return '';
      const again = createUtf8Decoder();
      const texts = kept.map(again.push);
      texts.push(again.push(block.subarray(from, used)), again.end());
      return texts.join('').slice(0, deliveredChars);
    },
    nothingDelivered: () => deliveredChars === 0,
    release: () => {
      kept.length = 0;
      pool.give(blocks.splice(0));
      block = new Uint8Array(0);
      from = used = 0;
    },
  };
};
