/**
 * OpenAI's `POST /v1/chat/completions` request, decoded with io-ts and mapped to the
 * provider's {@link ChatRequest}. Pure functions.
 *
 * Read: `model`, `messages`, `stream`, `stream_options.include_usage`, and what the route
 * honours itself by cutting the reply: `max_tokens` and `max_completion_tokens` (positive
 * integers; with both, the smaller), `stop` (a string or up to {@link maxStopSequences} of them,
 * each of 1 to {@link maxStopChars} characters). The route first refuses what cannot be
 * honoured (`tools`, `response_format`, …: `unsupportedParameters.ts`); the sampling parameters
 * left (`temperature`, `top_p`, `user`, …) are ignored.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';
import * as t from '#io-ts/index.js';
import { YqcloudError, type ChatRequest, type Message } from '../../../index.js';

/**
 * What the endpoint read from an OpenAI request.
 */
export interface ChatCompletionRequest {
  /** `''` when the request named none (the provider then uses its default). */
  readonly model: string;
  /** The messages, content joined to one string. */
  readonly messages: ReadonlyArray<Message>;
  /** `stream: true`: chunks as Server-Sent Events; otherwise one `chat.completion`. */
  readonly stream: boolean;
  /** `stream_options.include_usage` was set (the route counts the tokens itself). */
  readonly includeUsage: boolean;
  /** The smaller of `max_tokens` and `max_completion_tokens`; `undefined`: neither. */
  readonly maxTokens: number | undefined;
  /** The stop sequences (`stop` as a list; none: empty). */
  readonly stop: ReadonlyArray<string>;
}

/** The most stop sequences a request may give (OpenAI's limit). */
export const maxStopSequences = 4;

/** The longest stop sequence, in UTF-16 code units. */
export const maxStopChars = 1024;

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null, t.undefined]);

const TokenCount = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 1, 'a positive integer (or null)');

const StopSequence = t.refinement(
  t.string,
  (s) => s.length >= 1 && s.length <= maxStopChars,
  `a string of 1 to ${maxStopChars} characters`,
);

const Stop = t.union(
  [StopSequence, t.refinement(t.array(StopSequence), (list) => list.length <= maxStopSequences), t.null, t.undefined],
  `a string or up to ${maxStopSequences} strings, each of 1 to ${maxStopChars} characters (or null)`,
);

const TextPart = t.type({ type: t.literal('text'), text: t.string }, 'a text part { type: "text", text }');

const Content = t.union([t.string, t.null, t.array(TextPart)], 'a string, null or an array of text parts');

const OpenAIRole = t.keyof(
  { system: null, developer: null, user: null, assistant: null },
  '"system", "developer", "user" or "assistant" (this service has no tools)',
);

const OpenAIMessage = t.intersection([t.type({ role: OpenAIRole }), t.partial({ content: Content })], 'a message');

const ChatCompletionBody = t.intersection(
  [
    t.type({ messages: t.array(OpenAIMessage, 'an array of messages') }),
    t.partial({
      model: nullable(t.string),
      stream: nullable(t.boolean),
      stream_options: nullable(t.partial({ include_usage: nullable(t.boolean) })),
      max_tokens: t.union([TokenCount, t.null, t.undefined], 'a positive integer (or null)'),
      max_completion_tokens: t.union([TokenCount, t.null, t.undefined], 'a positive integer (or null)'),
      stop: Stop,
    }),
  ],
  'a chat completion request (an object with `messages`)',
);

/** `messages.0.content`: the keys of the context, up to the first union (whose members say nothing useful). */
const describe = (error: t.ValidationError): { readonly path: string; readonly expected: string } => {
  const keys: Array<string> = [];
  let expected = error.context[0]?.type.name ?? '';
  for (let i = 1; i < error.context.length; i++) {
    const parent = error.context[i - 1]?.type;
    const entry = error.context[i];
    if (entry === undefined || parent instanceof t.UnionType) break;
    if (parent instanceof t.IntersectionType) continue;
    keys.push(entry.key);
    expected = entry.type.name;
  }
  return { path: keys.join('.'), expected };
};

const invalid = (path: string, message: string): YqcloudError =>
  new YqcloudError('InvalidRequest', path === '' ? message : `${path}: ${message}`, { path });

const decodeError = (errors: t.Errors): YqcloudError => {
  const first = errors[0];
  if (first === undefined) return invalid('', 'the request is not a chat completion request');
  const { path, expected } = describe(first);
  return invalid(path, `expected ${expected}`);
};

const smallest = (a: number | null | undefined, b: number | null | undefined): number | undefined =>
  a === null || a === undefined ? (b ?? undefined) : b === null || b === undefined ? a : Math.min(a, b);

const contentText = (content: t.TypeOf<typeof Content> | undefined): string =>
  content === null || content === undefined
    ? ''
    : typeof content === 'string'
      ? content
      : content.map((part) => part.text).join('');

/**
 * Decodes an OpenAI chat completion request (the parsed JSON body): what the endpoint needs, or
 * an `InvalidRequest` error naming the first problem (its `path` is OpenAI's `param`).
 *
 * @example
 * ```ts
 * decodeChatCompletionRequest({ model: 'gpt-4', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.2 });
 * // right({ model: 'gpt-4', messages: [{ role: 'user', content: 'Hi' }], stream: false, includeUsage: false, maxTokens: undefined, stop: [] })
 * decodeChatCompletionRequest({ messages: [{ role: 'user', content: 'Hi' }], max_tokens: 0 });
 * // left(InvalidRequest 'max_tokens: expected a positive integer (or null)')
 * decodeChatCompletionRequest({ messages: [{ role: 'tool', content: '42' }] });
 * // left(InvalidRequest 'messages.0.role: expected "system", "developer", "user" or "assistant" …')
 * ```
 */
export const decodeChatCompletionRequest = (u: unknown): E.Either<YqcloudError, ChatCompletionRequest> =>
  pipe(
    E.tryCatch(
      () => ChatCompletionBody.decode(u),
      (): t.Errors => [],
    ),
    E.flatten,
    E.mapLeft(decodeError),
    E.map(
      (body): ChatCompletionRequest => ({
        model: body.model ?? '',
        messages: body.messages.map((m) => ({ role: m.role, content: contentText(m.content) })),
        stream: body.stream === true,
        includeUsage: body.stream_options?.include_usage === true,
        maxTokens: smallest(body.max_tokens, body.max_completion_tokens),
        stop:
          body.stop === null || body.stop === undefined ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop,
      }),
    ),
  );

/**
 * The provider's request for an OpenAI request: the provider then splits off the system message
 * and formats the history as the prompt with the same pure functions as for any caller. Each
 * request runs in a service conversation of its own, `userId` (minted by the route from a
 * CSPRNG, never shared: the service keeps context per id), whose history is the thread before
 * the last message. The endpoint keeps the text it forwards itself, so the provider is asked to
 * keep none (`keepText: false`).
 */
export const toChatRequest = (request: ChatCompletionRequest, userId: string, model: string): ChatRequest => ({
  messages: request.messages,
  model: request.model,
  keepText: false,
  conversation: { model, userId, messageHistory: request.messages.slice(0, -1) },
});
