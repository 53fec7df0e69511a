/**
 * How a history becomes the service's `system` and `prompt` fields.
 *
 * @module
 */
import * as O from '#fp-ts/Option.js';
import { pipe } from '#fp-ts/function.js';
import { messageText, type Message, type Role } from './message.js';

/**
 * A history split into its leading system message and the rest.
 *
 * @example
 * ```ts
 * const { system, messages }: SplitHistory = extractSystem(conversation.messageHistory);
 * ```
 */
export interface SplitHistory {
  /** The first message's text when its role is `system`. */
  readonly system: O.Option<string>;
  /** The messages that go into the prompt. */
  readonly messages: ReadonlyArray<Message>;
}

/**
 * Splits off the system message: only the *first* message counts, and only when its role
 * is `system`; a system message later in the history stays in the prompt.
 *
 * @example
 * ```ts
 * extractSystem([{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Hi' }]);
 * // { system: some('Be brief'), messages: [{ role: 'user', content: 'Hi' }] }
 * ```
 */
export const extractSystem = (history: ReadonlyArray<Message>): SplitHistory =>
  pipe(
    O.fromNullable(history[0]),
    O.filter((first) => first.role === 'system'),
    O.match(
      (): SplitHistory => ({ system: O.none, messages: history }),
      (first): SplitHistory => ({ system: O.some(messageText(first)), messages: history.slice(1) }),
    ),
  );

/**
 * The role as the prompt writes it: `user` → `User`.
 */
export const roleLabel = (role: Role): string => role.charAt(0).toUpperCase() + role.slice(1);

const isBlank = (text: string): boolean => text.trim() === '';

/**
 * The prompt text for a list of messages: one message → its content alone; several →
 * `Role: content` lines (blank messages left out) joined by `\n`, then `\nAssistant:`.
 *
 * @example
 * ```ts
 * formatPrompt([{ role: 'user', content: 'Hi' }]); // 'Hi'
 * formatPrompt([
 *   { role: 'user', content: 'Hi' },
 *   { role: 'assistant', content: 'Hello' },
 *   { role: 'user', content: 'Bye' },
 * ]);
 * // 'User: Hi\nAssistant: Hello\nUser: Bye\nAssistant:'
 * ```
 */
export const formatPrompt = (messages: ReadonlyArray<Message>): string => {
  const [only] = messages;
  if (only === undefined) return '';
  if (messages.length === 1) return messageText(only);
  const lines = messages.filter((m) => !isBlank(messageText(m))).map((m) => `${roleLabel(m.role)}: ${messageText(m)}`);
  return `${lines.join('\n')}\nAssistant:`;
};
