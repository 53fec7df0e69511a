/**
 * The body the AI SDK's `DefaultChatTransport` posts, `{ id, messages, trigger, messageId }`
 * with `UIMessage`s made of parts, decoded with io-ts and mapped to the provider's
 * {@link ChatRequest}. Pure functions.
 *
 * Text parts are the message's content. Parts that carry nothing for the prompt are skipped
 * (`step-start`, the assistant's `reasoning`, `source-*`, the app's `data-*`); parts the service
 * cannot read are refused with the path of the part (`file`, and tool calls: the service calls
 * no tool). Other fields of the body (an app's own, added with the transport's `body`) are
 * ignored, but `model`, which picks the model.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';
import * as t from '#io-ts/index.js';
import { YqcloudError, type ChatRequest, type Message } from '../../../index.js';
import { invalidRequestOf } from '../../../core/decodeErrors.js';
import { ownSnapshot } from '../../../core/snapshot.js';

/**
 * What the route reads from a chat request.
 */
export interface UIChatRequest {
  /** The chat's id (`Chat`'s `id`): the key of a reply a reconnect resumes. */
  readonly chatId: string;
  readonly messages: ReadonlyArray<Message>;
  /** `regenerate-message`: the client dropped the last reply and asks again. */
  readonly trigger: 'submit-message' | 'regenerate-message';
  /** The message the trigger is about, when the client named one. */
  readonly messageId?: string;
  /** `''` when the body named none (the provider's default). */
  readonly model: string;
}

/** Longest chat id or message id accepted (the AI SDK's are 16 characters). */
const maxIdLength = 256;

/**
 * Whether `u` is a chat or message id this route accepts: 1 to 256 characters, none a control
 * character.
 */
export const isChatId = (u: unknown): u is string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  typeof u === 'string' && u.length > 0 && u.length <= maxIdLength && !/[\u0000-\u001f\u007f-\u009f]/.test(u);

const Id = new t.Type<string, string, unknown>(
  'an id (1 to 256 printable characters)',
  (u): u is string => typeof u === 'string',
  (u, c) => (isChatId(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);

const Part = t.type({ type: t.string }, 'a part { type, … }');

const UIMessageCodec = t.type(
  {
    role: t.keyof({ system: null, user: null, assistant: null }, '"system", "user" or "assistant"'),
    parts: t.array(Part, 'an array of parts'),
  },
  'a UI message { id, role, parts }',
);

const Body = t.intersection(
  [
    t.type({
      id: Id,
      messages: t.array(UIMessageCodec, 'an array of UI messages'),
      trigger: t.keyof(
        { 'submit-message': null, 'regenerate-message': null },
        '"submit-message" or "regenerate-message"',
      ),
    }),
    t.partial({ messageId: t.union([Id, t.null, t.undefined]), model: t.union([t.string, t.null, t.undefined]) }),
  ],
  'a chat request { id, messages, trigger }',
);

const invalid = (path: string, message: string): YqcloudError =>
  new YqcloudError('InvalidRequest', path === '' ? message : `${path}: ${message}`, { path });

/** Skipped: they add nothing the service reads. */
const skipped = (type: string): boolean =>
  type === 'step-start' || type === 'reasoning' || type.startsWith('source-') || type.startsWith('data-');

type Decoded = t.TypeOf<typeof Body>;

/** The message's text, or the first part the service cannot read. */
const messageOf = (m: Decoded['messages'][number], index: number): E.Either<YqcloudError, Message> => {
  const texts: Array<string> = [];
  for (let p = 0; p < m.parts.length; p++) {
    const part = m.parts[p] as Readonly<Record<string, unknown>> & { readonly type: string };
    if (part.type === 'text') {
      const text = Object.hasOwn(part, 'text') ? part.text : undefined;
      if (typeof text !== 'string') return E.left(invalid(`messages.${index}.parts.${p}.text`, 'expected a string'));
      texts.push(text);
    } else if (!skipped(part.type))
      return E.left(
        invalid(
          `messages.${index}.parts.${p}.type`,
          `${JSON.stringify(part.type.slice(0, 40))} parts cannot be honoured: the service reads text only and calls no tool`,
        ),
      );
  }
  return E.right({ role: m.role, content: texts.join('') });
};

/**
 * Decodes the posted body (parsed JSON), read once through its own properties: what the route
 * needs, or an `InvalidRequest` naming the first problem.
 *
 * @example
 * ```ts
 * decodeUIChatRequest({
 *   id: 'c1',
 *   messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'Hi' }] }],
 *   trigger: 'submit-message',
 * });
 * // right({ chatId: 'c1', messages: [{ role: 'user', content: 'Hi' }], trigger: 'submit-message', model: '' })
 * decodeUIChatRequest({ id: 'c1', trigger: 'submit-message', messages: [{ id: 'm1', role: 'user', parts: [{ type: 'file' }] }] });
 * // left(InvalidRequest 'messages.0.parts.0.type: "file" parts cannot be honoured …')
 * ```
 */
export const decodeUIChatRequest = (u: unknown): E.Either<YqcloudError, UIChatRequest> =>
  pipe(
    ownSnapshot(u),
    E.chain((own) => pipe(Body.decode(own), E.mapLeft(invalidRequestOf))),
    E.chain((body) =>
      pipe(
        body.messages.map(messageOf),
        E.sequenceArray,
        E.map(
          (messages): UIChatRequest => ({
            chatId: body.id,
            messages,
            trigger: body.trigger,
            ...(typeof body.messageId === 'string' ? { messageId: body.messageId } : {}),
            model: body.model ?? '',
          }),
        ),
      ),
    ),
  );

/**
 * The provider's request: the thread before the last message is the history of a service
 * conversation of its own, `userId` (minted by the route from a CSPRNG, never shared: the service
 * keeps context per id), and the last message is sent. The route keeps the text it forwards
 * itself, so the provider keeps none.
 *
 * @example
 * ```ts
 * const asked: UIChatRequest = { chatId: 'c1', messages: [{ role: 'user', content: 'Hi' }], trigger: 'submit-message', model: '' };
 * uiChatToChatRequest(asked, '#/chat/04829173650192837465', 'gpt-4');
 * // { messages, model: 'gpt-4', keepText: false, conversation: { model: 'gpt-4', userId: '#/chat/…', messageHistory: [] } }
 * ```
 */
export const uiChatToChatRequest = (request: UIChatRequest, userId: string, model: string): ChatRequest => ({
  messages: request.messages,
  model,
  keepText: false,
  conversation: { model, userId, messageHistory: request.messages.slice(0, -1) },
});
