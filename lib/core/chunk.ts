/**
 * What a reply stream emits: text as it arrives, the conversation (on request), then `finish`.
 *
 * @module
 */
import type { Conversation } from './conversation.js';

/**
 * A piece of the reply's text, decoded as it arrived (the bytes of one arrival, one socket read,
 * make one chunk, however many HTTP chunks they came in); never empty.
 *
 * @example
 * ```ts
 * if (chunk.type === 'text') process.stdout.write(chunk.text);
 * ```
 */
export interface TextChunk {
  readonly type: 'text';
  readonly text: string;
}

/**
 * The conversation with the reply appended; only with `returnConversation`.
 *
 * @example
 * ```ts
 * if (chunk.type === 'conversation')
 *   localStorage.setItem('chat', JSON.stringify(Conversation.toJson(chunk.conversation)));
 * ```
 */
export interface ConversationChunk {
  readonly type: 'conversation';
  readonly conversation: Conversation;
}

/**
 * The end of a reply: always the last chunk, then the stream completes.
 *
 * @example
 * ```ts
 * if (chunk.type === 'finish') console.log('\n(done:', chunk.reason, ')');
 * ```
 */
export interface FinishChunk {
  readonly type: 'finish';
  readonly reason: 'stop';
}

/**
 * One event of a reply stream.
 *
 * @example
 * ```ts
 * provider.create({ messages }).subscribe((chunk: Chunk) => {
 *   if (chunk.type === 'text') process.stdout.write(chunk.text);
 * });
 * ```
 */
export type Chunk = TextChunk | ConversationChunk | FinishChunk;

/**
 * A text chunk.
 *
 * @example
 * ```ts
 * text('Hi'); // { type: 'text', text: 'Hi' }
 * ```
 */
export const text = (value: string): TextChunk => ({ type: 'text', text: value });

/**
 * A conversation chunk.
 *
 * @example
 * ```ts
 * const c = Conversation.make('gpt-4');
 * conversation(c); // { type: 'conversation', conversation: c }
 * ```
 */
export const conversation = (value: Conversation): ConversationChunk => ({ type: 'conversation', conversation: value });

/**
 * The finish chunk (one shared value).
 *
 * @example
 * ```ts
 * finish; // { type: 'finish', reason: 'stop' }
 * ```
 */
export const finish: FinishChunk = Object.freeze({ type: 'finish', reason: 'stop' });

/**
 * Whether a chunk is text; narrows the type.
 *
 * @example
 * ```ts
 * chunks.filter(isText).map((c) => c.text).join('');
 * ```
 */
export const isText = (chunk: Chunk): chunk is TextChunk => chunk.type === 'text';

/**
 * Whether a chunk is the conversation; narrows the type.
 *
 * @example
 * ```ts
 * chunks.find(isConversation)?.conversation;
 * ```
 */
export const isConversation = (chunk: Chunk): chunk is ConversationChunk => chunk.type === 'conversation';

/**
 * Whether a chunk is the finish; narrows the type.
 *
 * @example
 * ```ts
 * const last = chunks.at(-1);
 * last !== undefined && isFinish(last); // true for a complete reply
 * ```
 */
export const isFinish = (chunk: Chunk): chunk is FinishChunk => chunk.type === 'finish';
