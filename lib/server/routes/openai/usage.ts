/**
 * Token usage in OpenAI's shapes, estimated: the service reports no token counts, so the route
 * counts them itself with `gpt-tokenizer` and `cl100k_base`, GPT-4's encoding. The prompt is
 * counted as OpenAI counts a chat (3 tokens a message, its role and content, 3 to prime the
 * reply), from the messages the client sent; the completion is the reply's text, counted as it
 * streams without keeping it.
 *
 * The tokenizer (its tables weigh megabytes) is imported on the first call of
 * {@link loadTokenCounter}, so a server that is never asked for usage never loads it. Its cost
 * is bounded: byte-pair encoding costs the square of a piece's length, so text goes to it in
 * slices of at most 512 characters (cut where a token ends when there is such a place: the count
 * is then exact); past 1 MiB of a reply's text, and 64 KiB of a prompt's, the rest is
 * extrapolated at the tokens-per-character rate counted so far.
 *
 * @module
 */
import { contentText, type Message } from '../../../index.js';

/**
 * OpenAI's `usage` object.
 */
export interface CompletionUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

/**
 * Counts the tokens of a text (special tokens such as `<|endoftext|>` count as plain text), in
 * slices of at most 512 characters.
 */
export interface TokenCounter {
  readonly count: (text: string) => number;
}

let loading: Promise<TokenCounter> | undefined;

/** The longest piece given to the byte-pair encoder at once. */
const maxSlice = 512;

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/** `text` in slices of at most {@link maxSlice} characters, each ending where a token ends when a window has such a place. */
const slices = (text: string): ReadonlyArray<string> => {
  const out: Array<string> = [];
  let start = 0;
  while (text.length - start > maxSlice) {
    let end = settledLength(text.slice(start, start + maxSlice + 1));
    if (end === 0) end = isHighSurrogate(text.charCodeAt(start + maxSlice - 1)) ? maxSlice - 1 : maxSlice;
    out.push(text.slice(start, start + end));
    start += end;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
};

/**
 * The `cl100k_base` counter, imported once (later calls share the first import).
 */
export const loadTokenCounter = (): Promise<TokenCounter> => {
  loading ??= import('gpt-tokenizer/encoding/cl100k_base').then(
    ({ countTokens }): TokenCounter => {
      const plainText = { disallowedSpecial: new Set<string>() };
      return {
        count: (text) => slices(text).reduce((sum, slice) => sum + countTokens(slice, plainText), 0),
      };
    },
    (e: unknown) => {
      loading = undefined;
      throw e;
    },
  );
  return loading;
};

/** OpenAI's chat framing for cl100k models: per message, and to prime the reply. */
const tokensPerMessage = 3;
const replyPriming = 3;

/**
 * The prompt's tokens as OpenAI counts a chat for GPT-4.
 */
export const promptTokens = (counter: TokenCounter, messages: ReadonlyArray<Message>): number => {
  let count: TextCount = emptyTextCount;
  for (const m of messages) {
    count = settle(counter, count, contentText(m.content), maxExactPromptChars);
  }
  return messages.reduce((sum, m) => sum + tokensPerMessage + counter.count(m.role), replyPriming) + count.tokens;
};

/**
 * The completion's tokens so far: those of the settled text, and the text after the last place
 * where a token is known to end (kept until more text settles it).
 */
export interface TextCount {
  readonly tokens: number;
  readonly pending: string;
  /** Characters counted so far (past the exact budget, the rest is extrapolated). */
  readonly chars: number;
}

/**
 * Nothing counted yet.
 */
export const emptyTextCount: TextCount = { tokens: 0, pending: '', chars: 0 };

/** A reply's text counted exactly; the rest is extrapolated. */
const maxExactReplyChars = 1024 * 1024;
/** A prompt's text counted exactly; the rest is extrapolated. */
const maxExactPromptChars = 64 * 1024;

/** `text` counted into `count`: exactly within `budget` characters, extrapolated past it. */
const settle = (counter: TokenCounter, count: TextCount, text: string, budget: number): TextCount => {
  if (text === '') return count;
  const tokens =
    count.chars < budget || count.chars === 0
      ? counter.count(text)
      : Math.round((text.length * count.tokens) / count.chars);
  return { tokens: count.tokens + tokens, pending: count.pending, chars: count.chars + text.length };
};

/** Past this, pending text is counted as it is (an estimate off by a token at most). */
const maxPending = 16_384;

/**
 * A letter followed by a non-letter: cl100k_base's pre-tokenizer always ends a piece there
 * (letters only join letters), so the text before it counts the same whatever follows.
 */
const pieceEnd = /\p{L}(?=\P{L})/gu;

const settledLength = (text: string): number => {
  let end = 0;
  for (const match of text.matchAll(pieceEnd)) end = match.index + match[0].length;
  return end;
};

/**
 * The count with one more piece of the reply's text; only the text after the last settled
 * place is kept.
 *
 * @example
 * ```ts
 * const counter = await loadTokenCounter();
 * const after = ['Hel', 'lo, wor', 'ld'].reduce((c, piece) => addText(counter, c, piece), emptyTextCount);
 * textTokens(counter, after) === counter.count('Hello, world'); // true
 * ```
 */
export const addText = (counter: TokenCounter, count: TextCount, text: string): TextCount => {
  const pending = count.pending + text;
  const end = pending.length > maxPending ? pending.length : settledLength(pending);
  return end === 0
    ? { ...count, pending }
    : { ...settle(counter, count, pending.slice(0, end), maxExactReplyChars), pending: pending.slice(end) };
};

/**
 * All the tokens of the text added.
 */
export const textTokens = (counter: TokenCounter, count: TextCount): number =>
  settle(counter, count, count.pending, maxExactReplyChars).tokens;

/**
 * The `usage` object of a prompt and a completion.
 */
export const usageOf = (prompt: number, completion: number): CompletionUsage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

/**
 * The last chunk of a stream asked with `stream_options: { include_usage: true }`: no choice,
 * the usage (before `data: [DONE]`).
 */
export const usageChunk = (
  meta: { readonly id: string; readonly created: number; readonly model: string },
  usage: CompletionUsage,
): {
  readonly id: string;
  readonly object: 'chat.completion.chunk';
  readonly created: number;
  readonly model: string;
  readonly choices: readonly [];
  readonly usage: CompletionUsage;
} => ({ id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices: [], usage });
