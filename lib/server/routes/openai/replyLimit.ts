/**
 * Where the OpenAI route cuts a reply: at the first `stop` sequence (never sent, even when it
 * straddles pieces) and at `max_tokens` tokens, counted with the route's tokenizer (see
 * `usage.ts`). Pure functions over the text as it streams.
 *
 * A piece's text that could be the start of a stop sequence is held back until the next piece
 * says whether it is one (at most the longest sequence's length less one characters); the rest
 * goes on at once. The token count of the text sent is kept as `usage.ts` keeps it; a piece that
 * would pass `max_tokens` is cut at the longest start that does not.
 *
 * @module
 */
import { addText, emptyTextCount, textTokens, type TextCount, type TokenCounter } from './usage.js';

/**
 * What a request asked of its reply's length.
 *
 * @example
 * ```ts
 * const limit: ReplyLimit = { stop: ['\n\n', 'END'], maxTokens: 256, counter: await loadTokenCounter() };
 * ```
 */
export interface ReplyLimit {
  /** The stop sequences (none: an empty list); none is empty. */
  readonly stop: ReadonlyArray<string>;
  /** The most tokens of text; `undefined`: no limit. */
  readonly maxTokens: number | undefined;
  /** Counts the tokens; needed with `maxTokens`. */
  readonly counter: TokenCounter | undefined;
}

/**
 * Why a reply was cut: `stop` (a stop sequence came), `length` (`max_tokens` was reached).
 */
export type LimitReason = 'stop' | 'length';

/**
 * What has passed: the text held back (a possible start of a stop sequence), and the count of
 * the text sent.
 */
export interface LimitState {
  readonly held: string;
  readonly count: TextCount;
}

/**
 * Nothing passed yet.
 */
export const limitStart: LimitState = { held: '', count: emptyTextCount };

/**
 * One step: the text to send now, and the reason when the reply ends here (nothing after it
 * may be sent).
 */
export interface LimitStep {
  readonly state: LimitState;
  readonly text: string;
  readonly end: LimitReason | undefined;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Where the first stop sequence of `text` starts, or -1. */
const firstStop = (stop: ReadonlyArray<string>, text: string): number => {
  let found = -1;
  for (const sequence of stop) {
    const at = text.indexOf(sequence);
    if (at !== -1 && (found === -1 || at < found)) found = at;
  }
  return found;
};

/** Where the end of `text` that may begin a stop sequence starts (`text.length`: nowhere). */
const heldFrom = (stop: ReadonlyArray<string>, text: string): number => {
  let from = text.length;
  for (const sequence of stop) {
    const first = sequence.charAt(0);
    let at = text.indexOf(first, Math.max(0, text.length - sequence.length + 1));
    while (at !== -1 && at < from) {
      if (sequence.startsWith(text.slice(at))) {
        from = at;
        break;
      }
      at = text.indexOf(first, at + 1);
    }
  }
  return from;
};

/** `text` sent within `maxTokens`: all of it, or its longest start that fits, and `length`. */
const withinTokens = (limit: ReplyLimit, count: TextCount, text: string): LimitStep => {
  const { maxTokens, counter } = limit;
  if (maxTokens === undefined || counter === undefined || text === '')
    return { state: { held: '', count }, text, end: undefined };
  const added = addText(counter, count, text);
  // Every token is at least one byte: the pending text's bytes bound its tokens.
  if (added.tokens + utf8Bytes(added.pending) <= maxTokens || textTokens(counter, added) <= maxTokens)
    return { state: { held: '', count: added }, text, end: undefined };
  const fits = (length: number): boolean =>
    textTokens(counter, addText(counter, count, text.slice(0, length))) <= maxTokens;
  let low = 0;
  let high = text.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle - 1;
  }
  // Never half a character.
  const cut = low > 0 && isHighSurrogate(text.charCodeAt(low - 1)) ? low - 1 : low;
  const sent = text.slice(0, cut);
  return { state: { held: '', count: addText(counter, count, sent) }, text: sent, end: 'length' };
};

/**
 * The next piece of the reply's text through the limits.
 *
 * @example
 * ```ts
 * const limit: ReplyLimit = { stop: ['END'], maxTokens: undefined, counter: undefined };
 * const one = limitText(limit, limitStart, 'Hello E'); // text 'Hello ', 'E' held
 * const two = limitText(limit, one.state, 'ND now'); // text '', end 'stop'
 * ```
 */
export const limitText = (limit: ReplyLimit, state: LimitState, piece: string): LimitStep => {
  const text = state.held + piece;
  const stopAt = limit.stop.length === 0 ? -1 : firstStop(limit.stop, text);
  if (stopAt !== -1) {
    const sent = withinTokens(limit, state.count, text.slice(0, stopAt));
    return { ...sent, end: sent.end ?? 'stop' };
  }
  const from = limit.stop.length === 0 ? text.length : heldFrom(limit.stop, text);
  const sent = withinTokens(limit, state.count, text.slice(0, from));
  return sent.end !== undefined ? sent : { ...sent, state: { ...sent.state, held: text.slice(from) } };
};

/**
 * The end of the reply's text: what was held back is no stop sequence, and is sent (within
 * `max_tokens`).
 *
 * @example
 * ```ts
 * limitEnd({ stop: ['END'], maxTokens: undefined, counter: undefined }, { held: 'EN', count: emptyTextCount }).text; // 'EN'
 * ```
 */
export const limitEnd = (limit: ReplyLimit, state: LimitState): LimitStep =>
  withinTokens(limit, state.count, state.held);
