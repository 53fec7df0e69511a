/**
 * Chat messages: the `{ role, content }` values a request is made of, their
 * io-ts codecs and the pure functions over them.
 *
 * @module
 */
import * as t from '#io-ts/index.js';

/**
 * Who wrote a message.
 *
 * @example
 * ```ts
 * const role: Role = 'assistant';
 * ```
 */
export type Role = 'system' | 'developer' | 'user' | 'assistant';

/**
 * One part of a multi-part content: only text parts are accepted.
 *
 * @example
 * ```ts
 * const part: TextPart = { type: 'text', text: 'Hello' };
 * ```
 */
export interface TextPart {
  readonly type: 'text';
  readonly text: string;
}

/**
 * What a message says: a string, or text parts that are joined.
 *
 * @example
 * ```ts
 * const content: Content = [{ type: 'text', text: 'Hello, ' }, { type: 'text', text: 'world' }];
 * ```
 */
export type Content = string | ReadonlyArray<TextPart>;

/**
 * One message of a conversation.
 *
 * @example
 * ```ts
 * const m: Message = { role: 'user', content: 'Hello' };
 * ```
 */
export interface Message {
  readonly role: Role;
  readonly content: Content;
}

/**
 * The io-ts codec of {@link Role}.
 */
export const RoleCodec: t.Type<Role> = t.keyof({ system: null, developer: null, user: null, assistant: null });

/**
 * The io-ts codec of {@link TextPart}.
 */
export const TextPartCodec: t.Type<TextPart> = t.readonly(
  t.type({ type: t.literal('text'), text: t.string }),
  'TextPart',
);

/**
 * The io-ts codec of {@link Content}.
 */
export const ContentCodec: t.Type<Content> = t.union([t.string, t.readonlyArray(TextPartCodec)], 'Content');

/**
 * The io-ts codec of {@link Message}: a role of {@link Role} and a text content.
 */
export const MessageCodec: t.Type<Message> = t.readonly(t.type({ role: RoleCodec, content: ContentCodec }), 'Message');

/**
 * The text of a content: the string itself, or the parts' texts joined with no separator.
 *
 * @example
 * ```ts
 * contentText([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }]); // 'ab'
 * ```
 */
export const contentText = (content: Content): string =>
  typeof content === 'string' ? content : content.map((part) => part.text).join('');

/**
 * A message's text.
 *
 * @example
 * ```ts
 * messageText({ role: 'user', content: 'hi' }); // 'hi'
 * ```
 */
export const messageText = (message: Message): string => contentText(message.content);

/**
 * A message with its content as one string.
 */
export const normalise = (message: Message): Message =>
  typeof message.content === 'string' ? message : { role: message.role, content: contentText(message.content) };
