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
  decode(piece: Uint8Array | string): string;
  /** Decodes what an incomplete sequence at the end of the body leaves. */
  end(): string;
  /** Records that this decoded text, the next in order, reached the subscriber. */
  delivered(text: string): void;
  /** Everything delivered so far, in order. */
  deliveredText(): string;
  /** Whether no text has been delivered. */
  nothingDelivered(): boolean;
  /** Gives the blocks back to the pool; the reply is over, nothing else may be asked of it. */
  release(): void;
}

class UnkeptReplyText implements ReplyText {
  readonly #decoder = createUtf8Decoder();
  #deliveredAny = false;

  decode(piece: Uint8Array | string): string {
    return this.#decoder.push(piece);
  }

  end(): string {
    return this.#decoder.end();
  }

  delivered(text: string): void {
    if (text !== '') this.#deliveredAny = true;
  }

  deliveredText(): string {
    return '';
  }

  nothingDelivered(): boolean {
    return !this.#deliveredAny;
  }

  release(): void {}
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
export const createUnkeptReplyText = (): ReplyText => new UnkeptReplyText();

const noBlock = new Uint8Array(0);

class KeptReplyText implements ReplyText {
  readonly #pool: BlockPool;
  readonly #decoder = createUtf8Decoder();
  // The body so far, in order: runs of bytes (views into blocks) and string pieces, then the
  // open run block[from, used).
  readonly #kept: Array<Uint8Array | string> = [];
  readonly #blocks: Array<Uint8Array> = [];
  #block: Uint8Array = noBlock;
  #from = 0;
  #used = 0;
  #deliveredChars = 0;

  constructor(pool: BlockPool) {
    this.#pool = pool;
  }

  decode(piece: Uint8Array | string): string {
    if (typeof piece === 'string') {
      this.#closeRun();
      this.#kept.push(piece);
    } else if (piece.byteLength <= this.#block.byteLength - this.#used) {
      this.#block.set(piece, this.#used);
      this.#used += piece.byteLength;
    } else this.#keepAcrossBlocks(piece);
    return this.#decoder.push(piece);
  }

  end(): string {
    return this.#decoder.end();
  }

  delivered(text: string): void {
    this.#deliveredChars += text.length;
  }

  deliveredText(): string {
    if (this.#deliveredChars === 0) return '';
    const again = createUtf8Decoder();
    const texts = this.#kept.map((piece) => again.push(piece));
    texts.push(again.push(this.#block.subarray(this.#from, this.#used)), again.end());
    return texts.join('').slice(0, this.#deliveredChars);
  }

  nothingDelivered(): boolean {
    return this.#deliveredChars === 0;
  }

  release(): void {
    this.#kept.length = 0;
    this.#pool.give(this.#blocks.splice(0));
    this.#block = noBlock;
    this.#from = this.#used = 0;
  }

  #closeRun(): void {
    if (this.#used > this.#from) this.#kept.push(this.#block.subarray(this.#from, this.#used));
    this.#from = this.#used;
  }

  #keepAcrossBlocks(bytes: Uint8Array): void {
    for (let offset = 0; offset < bytes.byteLength; ) {
      if (this.#used === this.#block.byteLength) {
        this.#closeRun();
        this.#block = this.#pool.take(Math.max(bytes.byteLength - offset, this.#block.byteLength * 2));
        this.#blocks.push(this.#block);
        this.#from = this.#used = 0;
      }
      const n = Math.min(bytes.byteLength - offset, this.#block.byteLength - this.#used);
      this.#block.set(n === bytes.byteLength ? bytes : bytes.subarray(offset, offset + n), this.#used);
      this.#used += n;
      offset += n;
    }
  }
}

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
export const createReplyText = (pool: BlockPool = createBlockPool(0)): ReplyText => new KeptReplyText(pool);
