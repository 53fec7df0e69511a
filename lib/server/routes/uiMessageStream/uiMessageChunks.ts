/**
 * The AI SDK's UI message stream (version 1), the protocol of its `useChat` and `Chat` (React,
 * Vue, Svelte, Angular) through `DefaultChatTransport`: Server-Sent Events of JSON chunks,
 * `start`, `text-start`, `text-delta`…, `text-end`, `finish` (or `error`, or `abort`), then
 * `data: [DONE]`, under the header `x-vercel-ai-ui-message-stream: v1`. A reply's entries (as
 * the reply log keeps them) become these, one text part per reply. Pure functions.
 *
 * @module
 */
import type { ReplyEntry, ReplyUsage } from '../../store/replyLog.js';

/**
 * The usage in the AI SDK's shape (its `LanguageModelUsage`), as the `finish` chunk's
 * `messageMetadata.totalUsage` carries it.
 */
export interface UIMessageUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

/**
 * The chunks of the protocol this server sends (the AI SDK's `UIMessageChunk` has more: tools,
 * reasoning, sources, data parts, which the service never produces).
 */
export type UIMessageChunk =
  | { readonly type: 'start'; readonly messageId: string }
  | { readonly type: 'text-start'; readonly id: string }
  | { readonly type: 'text-delta'; readonly id: string; readonly delta: string }
  | { readonly type: 'text-end'; readonly id: string }
  | {
      readonly type: 'finish';
      readonly finishReason: 'stop';
      readonly messageMetadata?: { readonly totalUsage: UIMessageUsage } | undefined;
    }
  | { readonly type: 'error'; readonly errorText: string }
  | { readonly type: 'abort' };

/**
 * Where a reply's message stands: whether its text part is open.
 */
export interface UIMessageState {
  readonly textOpen: boolean;
}

/**
 * Before the first chunk of a reply.
 */
export const uiMessageStart: UIMessageState = { textOpen: false };

/** The id of the reply's one text part (unique within its message, as the protocol asks). */
const textId = 'text-0';

const closed: UIMessageState = uiMessageStart;
const open: UIMessageState = { textOpen: true };

/** Closes the text part if one is open. */
const textEnd = (state: UIMessageState): ReadonlyArray<UIMessageChunk> =>
  state.textOpen ? [{ type: 'text-end', id: textId }] : [];

/**
 * The first chunk of every answer: `start`, with the id the client gives the assistant message.
 */
export const uiStartChunk = (messageId: string): UIMessageChunk => ({ type: 'start', messageId });

const finishChunk = (usage: ReplyUsage | undefined): UIMessageChunk =>
  usage === undefined
    ? { type: 'finish', finishReason: 'stop' }
    : {
        type: 'finish',
        finishReason: 'stop',
        messageMetadata: {
          totalUsage: {
            inputTokens: usage.inputTokens,
            outputTokens: usage.outputTokens,
            totalTokens: usage.inputTokens + usage.outputTokens,
          },
        },
      };

/**
 * The protocol's chunks for a reply's entry, and the state after it: text opens the text part
 * (once) and is a delta; `finish` closes it and finishes (with the usage as the message's
 * metadata, when counted); an error closes it and is an `error` chunk (its kind and message:
 * the entry holds what a client may see); `stopped` closes it and aborts; a conversation is the
 * server's business and is not sent.
 *
 * @example
 * ```ts
 * uiChunksOf(uiMessageStart, { type: 'text', text: 'Hi' });
 * // [{ textOpen: true }, [{ type: 'text-start', id: 'text-0' }, { type: 'text-delta', id: 'text-0', delta: 'Hi' }]]
 * uiChunksOf({ textOpen: true }, { type: 'finish', usage: { inputTokens: 9, outputTokens: 1 } });
 * // [{ textOpen: false }, [{ type: 'text-end', id: 'text-0' },
 * //   { type: 'finish', finishReason: 'stop', messageMetadata: { totalUsage: { inputTokens: 9, outputTokens: 1, totalTokens: 10 } } }]]
 * ```
 */
export const uiChunksOf = (
  state: UIMessageState,
  entry: ReplyEntry,
): readonly [UIMessageState, ReadonlyArray<UIMessageChunk>] => {
  switch (entry.type) {
    case 'text':
      return [
        open,
        [
          ...(state.textOpen ? [] : [{ type: 'text-start', id: textId } as const]),
          { type: 'text-delta', id: textId, delta: entry.text },
        ],
      ];
    case 'finish':
      return [closed, [...textEnd(state), finishChunk(entry.usage)]];
    case 'error':
      return [closed, uiErrorChunks(state, `${entry.error.kind}: ${entry.error.message}`)];
    case 'stopped':
      return [closed, uiAbortChunks(state)];
    case 'conversation':
      return [state, []];
  }
};

/**
 * A failure: the text part (kept by the client, with what was received) is closed, then an
 * `error` chunk carries the message, which must be one fit for the client (no internals).
 */
export const uiErrorChunks = (state: UIMessageState, errorText: string): ReadonlyArray<UIMessageChunk> => [
  ...textEnd(state),
  { type: 'error', errorText },
];

/**
 * A reply stopped by the server (a stop asked for by the user on another connection): the text
 * part is closed and `abort` says the message ends here.
 */
export const uiAbortChunks = (state: UIMessageState): ReadonlyArray<UIMessageChunk> => [
  ...textEnd(state),
  { type: 'abort' },
];

/**
 * One chunk as a Server-Sent Event, as the AI SDK frames them: a `data:` line of JSON.
 */
export const uiMessageEvent = (chunk: UIMessageChunk): string => `data: ${JSON.stringify(chunk)}\n\n`;

/**
 * The event that ends every answer, after `finish`, `error` or `abort`.
 */
export const uiMessageStreamDone = 'data: [DONE]\n\n';

/**
 * The header that names the protocol, sent with the event-stream headers.
 */
export const uiMessageStreamHeaders: Readonly<Record<string, string>> = Object.freeze({
  'x-vercel-ai-ui-message-stream': 'v1',
});
