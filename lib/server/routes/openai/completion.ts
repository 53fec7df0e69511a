/**
 * OpenAI's response objects: `chat.completion`, the `chat.completion.chunk`s of a stream and
 * their Server-Sent Events framing. Pure functions.
 *
 * `usage` is the route's estimate (the service reports no token counts): see `usage.ts`.
 *
 * @module
 */
import type { CompletionUsage } from './usage.js';

/**
 * What every object of one completion shares.
 */
export interface CompletionMeta {
  /** `chatcmpl-…`, the same on every chunk of a stream. */
  readonly id: string;
  /** Unix time in seconds. */
  readonly created: number;
  readonly model: string;
}

/**
 * The delta of one streamed choice.
 */
export interface ChunkDelta {
  readonly role?: 'assistant';
  readonly content?: string;
}

/**
 * Why a reply ended: `stop` (its end, or a stop sequence), `length` (`max_tokens`).
 */
export type FinishReason = 'stop' | 'length';

/**
 * One `chat.completion.chunk` of a stream.
 *
 * @example
 * ```ts
 * const meta = { id: 'chatcmpl-1', created: 1764614400, model: 'gpt-4' };
 * const chunk: ChatCompletionChunk = contentChunk(meta, 'lo');
 * chunk.choices[0]?.delta.content; // 'lo'
 * ```
 */
export interface ChatCompletionChunk extends CompletionMeta {
  readonly object: 'chat.completion.chunk';
  readonly choices: ReadonlyArray<{
    readonly index: 0;
    readonly delta: ChunkDelta;
    readonly logprobs: null;
    readonly finish_reason: FinishReason | null;
  }>;
}

/**
 * A whole `chat.completion` (`stream: false`).
 *
 * @example
 * ```ts
 * const meta = { id: 'chatcmpl-1', created: 1764614400, model: 'gpt-4' };
 * const done: ChatCompletion = chatCompletion(meta, 'Hello!');
 * done.choices[0]?.message.content; // 'Hello!'
 * ```
 */
export interface ChatCompletion extends CompletionMeta {
  readonly object: 'chat.completion';
  readonly choices: ReadonlyArray<{
    readonly index: 0;
    readonly message: { readonly role: 'assistant'; readonly content: string; readonly refusal: null };
    readonly logprobs: null;
    readonly finish_reason: FinishReason;
  }>;
  /** The route's estimate, counted with GPT-4's encoding. */
  readonly usage?: CompletionUsage;
}

const chunk = (meta: CompletionMeta, delta: ChunkDelta, finishReason: FinishReason | null): ChatCompletionChunk => ({
  id: meta.id,
  object: 'chat.completion.chunk',
  created: meta.created,
  model: meta.model,
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
});

/**
 * The first chunk of a stream: `delta.role` is `assistant`, with the first text.
 */
export const firstChunk = (meta: CompletionMeta, text: string): ChatCompletionChunk =>
  chunk(meta, { role: 'assistant', content: text }, null);

/**
 * A chunk of more text.
 */
export const contentChunk = (meta: CompletionMeta, text: string): ChatCompletionChunk =>
  chunk(meta, { content: text }, null);

/**
 * The last chunk: an empty delta and its `finish_reason` (default `stop`).
 */
export const stopChunk = (meta: CompletionMeta, reason: FinishReason = 'stop'): ChatCompletionChunk =>
  chunk(meta, {}, reason);

/**
 * The reply as one `chat.completion`.
 *
 * @example
 * ```ts
 * const meta = { id: 'chatcmpl-1', created: 1764614400, model: 'gpt-4' };
 * chatCompletion(meta, 'Hello!').object; // 'chat.completion'
 * chatCompletion(meta, 'Hello!', { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 }).usage?.total_tokens; // 10
 * ```
 */
export const chatCompletion = (
  meta: CompletionMeta,
  text: string,
  usage?: CompletionUsage,
  reason: FinishReason = 'stop',
): ChatCompletion => ({
  id: meta.id,
  object: 'chat.completion',
  created: meta.created,
  model: meta.model,
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: text, refusal: null },
      logprobs: null,
      finish_reason: reason,
    },
  ],
  ...(usage === undefined ? {} : { usage }),
});

/**
 * One Server-Sent Event of a value, as OpenAI frames them: a `data:` line of JSON, no `event:`.
 */
export const sseData = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;

/**
 * The event that ends a successful stream.
 */
export const doneEvent = 'data: [DONE]\n\n';

/**
 * OpenAI's model object, the body of `GET /v1/models/{id}`.
 */
export const modelObject = (
  id: string,
): { readonly id: string; readonly object: 'model'; readonly created: number; readonly owned_by: string } => ({
  id,
  object: 'model',
  created: 0,
  owned_by: 'yqcloud',
});

/**
 * The body of `GET /v1/models`: OpenAI's list of model objects.
 */
export const modelList = (
  models: ReadonlyArray<string>,
): { readonly object: 'list'; readonly data: ReadonlyArray<ReturnType<typeof modelObject>> } => ({
  object: 'list',
  data: models.map(modelObject),
});
