/**
 * fast-check arbitraries for the library's values, shared by the property specs.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(messagesArb, (messages) => typeof formatPrompt(messages) === 'string'));
 * ```
 */
import fc from 'fast-check';
import type { Conversation } from '../../lib/core/conversation.js';
import type { Message, Role } from '../../lib/core/message.js';

/** Any role of the protocol. */
export const roleArb: fc.Arbitrary<Role> = fc.constantFrom('system', 'developer', 'user', 'assistant');

/** Text of any Unicode code points (no lone surrogates). */
export const textArb: fc.Arbitrary<string> = fc.string({ unit: 'binary', maxLength: 40 });

/** Content as a string or as text parts. */
export const contentArb: fc.Arbitrary<Message['content']> = fc.oneof(
  textArb,
  fc.array(fc.record({ type: fc.constant('text' as const), text: textArb }), { maxLength: 4 }),
);

/** Any valid message. */
export const messageArb: fc.Arbitrary<Message> = fc.record({ role: roleArb, content: contentArb });

/** A message whose content is a string (the form a conversation's history keeps). */
export const stringMessageArb: fc.Arbitrary<Message> = fc.record({ role: roleArb, content: textArb });

/** Any list of messages, possibly empty. */
export const messagesArb: fc.Arbitrary<ReadonlyArray<Message>> = fc.array(messageArb, { maxLength: 8 });

/** Any conversation with string contents. */
export const conversationArb: fc.Arbitrary<Conversation> = fc.record({
  model: fc.string(),
  userId: fc.nat().map((n) => `#/chat/${n}`),
  messageHistory: fc.array(stringMessageArb, { maxLength: 6 }),
});

/**
 * Freezes a value and everything it holds, so a mutation throws in strict mode.
 *
 * @example
 * ```ts
 * const frozen = deepFreeze({ a: [1] });
 * ```
 */
export const deepFreeze = <A>(value: A): A => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
};
