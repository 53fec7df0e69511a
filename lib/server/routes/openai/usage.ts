/**
 * Token usage in OpenAI's shapes, estimated: the service reports no token counts, so the route
 * counts them itself with `gpt-tokenizer` and `cl100k_base`, GPT-4's encoding. The prompt is
 * counted as OpenAI counts a chat (3 tokens a message, its role and content, 3 to prime the
 * reply), from the messages the client sent; the completion is the reply's text, counted as it
 * streams without keeping it.
 *
 * The tokenizer (its tables weigh megabytes) is imported on the first call of
 * {@link loadTokenCounter}, so a server that is never asked for usage never loads it.
 *
 * @module
 */
import { contentText, type Message } from '../../../index.js';

/**
 * OpenAI's `usage` object.
 *
 * @example
 * ```ts
 * const usage: CompletionUsage = { prompt_tokens: 8, completion_tokens: 5, total_tokens: 13 };
 * ```
 */
export interface CompletionUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

/**
 * Counts the tokens of a text (special tokens such as `<|endoftext|>` count as plain text).
 *
 * @example
 * ```ts
 * const counter: TokenCounter = await loadTokenCounter();
 * counter.count('Hello world'); // 2
 * ```
 */
export interface TokenCounter {
  readonly count: (text: string) => number;
}

let loading: Promise<TokenCounter> | undefined;

/**
 * The `cl100k_base` counter, imported once (later calls share the first import).
 *
 * @example
 * ```ts
 * const counter = await loadTokenCounter();
 * promptTokens(counter, [{ role: 'user', content: 'hi' }]); // 8
 * ```
 */
export const loadTokenCounter = (): Promise<TokenCounter> => {
  loading ??= import('gpt-tokenizer/encoding/cl100k_base').then(
    ({ countTokens }): TokenCounter => {
      const plainText = { disallowedSpecial: new Set<string>() };
      return { count: (text) => (text === '' ? 0 : countTokens(text, plainText)) };
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
 *
 * @example
 * ```ts
 * const counter = await loadTokenCounter();
 * promptTokens(counter, [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Hi' }]);
 * ```
 */
export const promptTokens = (counter: TokenCounter, messages: ReadonlyArray<Message>): number =>
  messages.reduce(
    (sum, m) => sum + tokensPerMessage + counter.count(m.role) + counter.count(contentText(m.content)),
    replyPriming,
  );

/**
 * The completion's tokens so far: those of the settled text, and the text after the last place
 * where a token is known to end (kept until more text settles it).
 *
 * @example
 * ```ts
 * const start: TextCount = emptyTextCount;
 * ```
 */
export interface TextCount {
  readonly tokens: number;
  readonly pending: string;
}

/**
 * Nothing counted yet.
 *
 * @example
 * ```ts
 * const counter = await loadTokenCounter();
 * textTokens(counter, emptyTextCount); // 0
 * ```
 */
export const emptyTextCount: TextCount = { tokens: 0, pending: '' };

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
    ? { tokens: count.tokens, pending }
    : { tokens: count.tokens + counter.count(pending.slice(0, end)), pending: pending.slice(end) };
};

/**
 * All the tokens of the text added.
 *
 * @example
 * ```ts
 * const counter = await loadTokenCounter();
 * textTokens(counter, addText(counter, emptyTextCount, 'Hello')); // 1
 * ```
 */
export const textTokens = (counter: TokenCounter, count: TextCount): number =>
  count.tokens + counter.count(count.pending);

/**
 * The `usage` object of a prompt and a completion.
 *
 * @example
 * ```ts
 * usageOf(8, 5); // { prompt_tokens: 8, completion_tokens: 5, total_tokens: 13 }
 * ```
 */
export const usageOf = (prompt: number, completion: number): CompletionUsage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

/**
 * The last chunk of a stream asked with `stream_options: { include_usage: true }`: no choice,
 * the usage (before `data: [DONE]`).
 *
 * @example
 * ```ts
 * usageChunk({ id: 'chatcmpl-1', created: 1764614400, model: 'gpt-4' }, usageOf(8, 5)).choices; // []
 * ```
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
