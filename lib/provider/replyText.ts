/**
 * The reply's text: decoded as it arrives, and kept so that `partialText` and the conversation
 * chunk can give back exactly what the subscriber received.
 *
 * @module
 */
import { createUtf8Decoder } from '../http/utf8.js';

/**
 * Decodes the body's pieces and remembers how much of the decoded text was delivered.
 *
 * It keeps the pieces as they came (the transport's buffers, not copies, and not decoded
 * strings) and decodes them again only when the delivered text is asked for (an error's
 * `partialText`, the conversation chunk). Strings kept for every piece would make each
 * young-generation collection copy them all, and flattening them costs as much as decoding:
 * on a 32 MB reply either halves the throughput. Decoding is deterministic, so the second pass
 * yields the same characters the subscriber saw.
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
}

/**
 * A new {@link ReplyText} for one response body.
 *
 * @example
 * ```ts
 * const reply = createReplyText();
 * reply.delivered(reply.decode('Hello'));
 * reply.deliveredText(); // 'Hello'
 * ```
 */
export const createReplyText = (): ReplyText => {
  const decoder = createUtf8Decoder();
  const pieces: Array<Uint8Array | string> = [];
  let deliveredChars = 0;
  return {
    decode: (piece) => {
      pieces.push(piece);
      return decoder.push(piece);
    },
    end: () => decoder.end(),
    delivered: (text) => {
      deliveredChars += text.length;
    },
    deliveredText: () => {
      if (deliveredChars === 0) return '';
      const again = createUtf8Decoder();
      return (pieces.map(again.push).join('') + again.end()).slice(0, deliveredChars);
    },
    nothingDelivered: () => deliveredChars === 0,
  };
};
