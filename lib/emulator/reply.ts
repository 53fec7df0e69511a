/**
 * The emulator's default replies: deterministic, so a test can predict them, and shaped by the
 * prompt and the conversation so far, so a test can see that context was kept.
 *
 * @module
 */
import type { Turn } from './conversations.js';

/**
 * What a reply function is told about the request.
 *
 * @example
 * ```ts
 * const reply: ReplyFunction = (prompt, context: ReplyContext) => `${context.history.length + 1}: ${prompt}`;
 * ```
 */
export interface ReplyContext {
  /** The body's `system` field. */
  readonly system: string;
  /** The body's `userId` field. */
  readonly userId: string;
  /** The earlier turns of this conversation (empty with `withoutContext`). */
  readonly history: ReadonlyArray<Turn>;
}

/**
 * Computes a reply from a prompt; the default is {@link defaultReply}.
 *
 * @example
 * ```ts
 * const shout: ReplyFunction = (prompt) => prompt.toUpperCase();
 * ```
 */
export type ReplyFunction = (prompt: string, context: ReplyContext) => string;

const lastLine = (prompt: string): string => {
  const lines = prompt
    .split('\n')
    .map((line) => line.replace(/^(User|Assistant|System|Developer):\s?/, '').trim())
    .filter((line) => line !== '');
  return lines.at(-1) ?? '';
};

/**
 * The default reply: it quotes the prompt's last line, counts the turn, recalls the first prompt
 * of the conversation (from its own memory of the `userId`, or from a prompt that carries the
 * history as `User:` lines), and mentions the system message, in a few sentences (with some Chinese and
 * an emoji, so multi-byte characters cross piece boundaries).
 *
 * @example
 * ```ts
 * defaultReply('Hello', { system: '', userId: '#/chat/1', history: [] });
 * // 'You said: "Hello". This is turn 1 of our conversation. …'
 * ```
 */
export const defaultReply: ReplyFunction = (prompt, context) => {
  const userLines = prompt
    .split('\n')
    .filter((line) => line.startsWith('User:'))
    .map((line) => line.slice('User:'.length).trim());
  const turn = Math.max(context.history.length + 1, userLines.length);
  const first =
    context.history[0] === undefined
      ? userLines.length > 1
        ? userLines[0]
        : undefined
      : lastLine(context.history[0].prompt);
  return [
    `You said: "${lastLine(prompt)}".`,
    `This is turn ${turn} of our conversation.`,
    first === undefined ? '' : `Earlier you said: "${first}".`,
    context.system === '' ? '' : `I was told: "${context.system}".`,
    'The yqcloud-rx emulator streams this reply in small pieces, so you can watch it arrive — 你好，世界 🌏.',
  ]
    .filter((sentence) => sentence !== '')
    .join(' ');
};
