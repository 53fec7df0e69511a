/**
 * The request a caller passes to `create`, and its validation into a {@link ValidRequest}.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import * as O from '#fp-ts/Option.js';
import { pipe } from '#fp-ts/function.js';
import * as t from '#io-ts/index.js';
import { ConversationCodec, type Conversation } from './conversation.js';
import { codecOption, optional, readOptions, type Check } from './optionCheck.js';
import { HistoryBudgetCodec, type HistoryBudget } from './historyBudget.js';
import { invalidRequest } from './error.js';
import { validateHeaders, type HeaderRecord } from './headers.js';
import { contentText, MessageCodec, type Message } from './message.js';
import { parseProxy, type ProxyConfig } from './proxy.js';
import { ownSnapshot } from './snapshot.js';

/**
 * What `create` and `createAsyncGenerator` take.
 *
 * @example
 * ```ts
 * const request: ChatRequest = { messages: [{ role: 'user', content: 'Hello' }], returnConversation: true };
 * ```
 */
export interface ChatRequest {
  /** The messages; with `conversation`, only the last one is appended to its history. */
  readonly messages: ReadonlyArray<Message>;
  /** `''` or absent → the provider's default model; an unknown model is an error. */
  readonly model?: string | undefined;
  /** Sent as the body's `stream` flag; default `true`. */
  readonly stream?: boolean | undefined;
  /** Trims the history that goes into the prompt (`trimHistory`); the conversation keeps it all. */
  readonly historyBudget?: HistoryBudget | undefined;
  /** `http://user:pass@host:port`, `https://…`, `socks5://…` or `socks4://…`. */
  readonly proxy?: string | undefined;
  /** A conversation to continue. */
  readonly conversation?: Conversation | undefined;
  /** Emit the updated conversation before `finish`; default `false`. */
  readonly returnConversation?: boolean | undefined;
  /**
   * Keep the delivered text for an error's `partialText` (default `true`). `false` keeps none:
   * `partialText` is then `''`, which suits a caller that keeps the text itself (a relay
   * forwarding each chunk); it cannot be combined with `returnConversation`.
   */
  readonly keepText?: boolean | undefined;
  /**
   * Aborting it aborts the request and closes its socket, as unsubscribing does; the stream then
   * completes without `finish` (so a `for await` loop ends). Already aborted: nothing is sent.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Extra headers for this request, merged over the provider's (names compared without case).
   * Framing and hop-by-hop headers (`host`, `content-length`, `transfer-encoding`, `connection`,
   * `proxy-*`, …) are refused.
   */
  readonly headers?: HeaderRecord | undefined;
}

/**
 * A request that passed validation: defaults filled, content normalised to strings.
 */
export interface ValidRequest {
  readonly messages: ReadonlyArray<Message>;
  readonly model: string;
  readonly stream: boolean;
  readonly historyBudget: HistoryBudget;
  readonly proxy: O.Option<ProxyConfig>;
  readonly conversation: O.Option<Conversation>;
  readonly returnConversation: boolean;
  readonly keepText: boolean;
  readonly signal: O.Option<AbortSignal>;
  readonly headers: HeaderRecord;
}

/**
 * The models a provider accepts, and the one used when none is given.
 */
export interface ModelSet {
  readonly defaultModel: string;
  readonly models: ReadonlyArray<string>;
}

/**
 * Yqcloud's models: `gpt-4` only.
 */
export const yqcloudModels: ModelSet = { defaultModel: 'gpt-4', models: ['gpt-4'] };

const isAbortSignal = (u: unknown): u is AbortSignal =>
  typeof u === 'object' &&
  u !== null &&
  typeof (u as { aborted?: unknown }).aborted === 'boolean' &&
  typeof (u as { addEventListener?: unknown }).addEventListener === 'function' &&
  typeof (u as { removeEventListener?: unknown }).removeEventListener === 'function';

/** Every request option and how it is read (io-ts codecs for the values, as everywhere in core). */
const requestReaders = {
  messages: codecOption(t.readonlyArray(MessageCodec), true),
  model: codecOption(t.string),
  stream: codecOption(t.boolean),
  historyBudget: codecOption(HistoryBudgetCodec),
  proxy: codecOption(t.string),
  conversation: codecOption(ConversationCodec),
  returnConversation: codecOption(t.boolean),
  keepText: codecOption(t.boolean),
  signal: optional('AbortSignal', isAbortSignal),
  headers: codecOption(t.record(t.string, t.string)),
};

const checkShape = (u: unknown): Check<ChatRequest> =>
  typeof u !== 'object' || u === null || Array.isArray(u)
    ? E.left(invalidRequest('', 'the request must be an object with `messages`'))
    : pipe(
        readOptions('', u, requestReaders),
        E.map((read) => read as ChatRequest),
      );

const checkModel =
  (set: ModelSet) =>
  (request: ChatRequest): Check<string> => {
    const asked = request.model === undefined || request.model === '' ? undefined : request.model;
    const model = asked ?? set.defaultModel;
    return set.models.includes(model)
      ? E.right(model)
      : E.left(invalidRequest('model', `unknown model "${model}"; this provider serves ${set.models.join(', ')}`));
  };

/** A message of its own: content joined to one string, in a fresh object. */
const plainMessage = (message: Message): Message => ({ role: message.role, content: contentText(message.content) });

/** A history message of its own, its content kept as given (a string or text parts). */
const historyMessage = (message: Message): Message => ({
  role: message.role,
  content:
    typeof message.content === 'string'
      ? message.content
      : message.content.map((part) => ({ type: part.type, text: part.text })),
});

/** A conversation of its own, out of the snapshot validation checked. */
const plainConversation = (conversation: Conversation): Conversation => ({
  model: conversation.model,
  userId: conversation.userId,
  messageHistory: conversation.messageHistory.map(historyMessage),
});

/**
 * Validates anything a caller passed as a request, without throwing: a {@link ValidRequest}
 * with defaults filled, or an `InvalidRequest` error naming the first problem.
 *
 * The request is read once, through its own properties only ({@link ownSnapshot}): validation
 * checks that copy and the result is built from it, so a polluted `Object.prototype` or a getter
 * that changes its answer has no effect.
 */
export const validateRequest = (u: unknown, models: ModelSet = yqcloudModels): Check<ValidRequest> =>
  pipe(
    ownSnapshot(u),
    E.mapLeft((e) => (e.path === '' ? invalidRequest('', `the request ${e.message}`) : e)),
    E.chain(checkShape),
    E.filterOrElse(
      (request) => request.messages.length > 0,
      () => invalidRequest('messages', 'at least one message is required'),
    ),
    E.filterOrElse(
      (request) => request.keepText !== false || request.returnConversation !== true,
      () => invalidRequest('keepText', 'returnConversation needs the reply kept; leave keepText out or true'),
    ),
    E.bindTo('request'),
    E.bind('model', ({ request }) => checkModel(models)(request)),
    E.bind('proxy', ({ request }) =>
      request.proxy === undefined || request.proxy === ''
        ? E.right(O.none)
        : pipe(parseProxy(request.proxy), E.map(O.some)),
    ),
    E.bind('headers', ({ request }) =>
      request.headers === undefined ? E.right({}) : validateHeaders(request.headers, 'headers'),
    ),
    E.map(
      ({ request, model, proxy, headers }): ValidRequest => ({
        messages: request.messages.map(plainMessage),
        model,
        stream: request.stream ?? true,
        historyBudget: request.historyBudget ?? {},
        proxy,
        conversation: pipe(O.fromNullable(request.conversation), O.map(plainConversation)),
        returnConversation: request.returnConversation ?? false,
        keepText: request.keepText ?? true,
        signal: O.fromNullable(request.signal),
        headers,
      }),
    ),
  );
