import * as E from '#fp-ts/Either.js';
import type { OperatorFunction } from 'rxjs';
import type { Chunk } from '../core/chunk.js';
import { ConversationCodec, type Conversation } from '../core/conversation.js';
import { invalidRequest } from '../core/error.js';
import { MessageCodec, type Message } from '../core/message.js';
import { yqcloudModels } from '../core/request.js';
import { ownSnapshot } from '../core/snapshot.js';
import { readOptions, type OptionReader } from '../core/optionCheck.js';
import { withOptions } from './options.js';
import { replyTelemetry, type ReplyFacts } from './replyTelemetry.js';
import { settingsOf, telemetryOptionReaders, type TelemetryOptions } from './telemetryOptions.js';
import { watchReply } from './watchReply.js';

/**
 * What the telemetry knows of the request; a `ChatRequest` fits (its other fields are not read).
 *
 * @example
 * ```ts
 * const request: TelemetryRequest = { model: 'gpt-4', messages: [{ role: 'user', content: 'Hi' }] };
 * ```
 */
export interface TelemetryRequest {
  /** `gen_ai.request.model` (default the default model, `gpt-4`). */
  readonly model?: string | undefined;
  /** The prompt, recorded only with `recordContent`. */
  readonly messages?: ReadonlyArray<Message> | undefined;
  /** The conversation continued: its history is part of the prompt, its `userId` its id. */
  readonly conversation?: Conversation | undefined;
  /** The URL the request goes to: its host and port become `server.address` and `server.port`. */
  readonly endpoint?: string | undefined;
}

/**
 * The options of {@link withTelemetry}: where the telemetry goes, and the request it is about.
 *
 * @example
 * ```ts
 * const options: WithTelemetryOptions = { tracer, meter, request: { messages } };
 * ```
 */
export interface WithTelemetryOptions extends TelemetryOptions {
  readonly request?: TelemetryRequest | undefined;
}

const optionalString = (u: unknown): boolean => u === undefined || typeof u === 'string';

const isRequest = (u: {
  readonly model: unknown;
  readonly messages: unknown;
  readonly conversation: unknown;
  readonly endpoint: unknown;
}): boolean =>
  optionalString(u.model) &&
  optionalString(u.endpoint) &&
  (u.messages === undefined || (Array.isArray(u.messages) && u.messages.every((m) => MessageCodec.is(m)))) &&
  (u.conversation === undefined || ConversationCodec.is(u.conversation));

const requestOption: OptionReader<TelemetryRequest | undefined> = (path, u) => {
  if (u === undefined) return E.right(undefined);
  const snapshot = ownSnapshot(u);
  if (E.isLeft(snapshot)) return E.left(invalidRequest(path, snapshot.left.message));
  const own = snapshot.right as Readonly<Record<string, unknown>>;
  const picked = { model: own.model, messages: own.messages, conversation: own.conversation, endpoint: own.endpoint };
  return isRequest(picked)
    ? E.right(picked as TelemetryRequest)
    : E.left(invalidRequest(path, 'expected { model?, messages?, conversation?, endpoint? } as in a ChatRequest'));
};

/**
 * The request's facts: its model (or the default), its whole prompt, its conversation's id.
 */
export const replyFacts = (request: TelemetryRequest | undefined): ReplyFacts => {
  const model = request?.model === undefined || request.model === '' ? yqcloudModels.defaultModel : request.model;
  const given = request?.messages ?? [];
  const conversation = request?.conversation;
  const last = given.at(-1);
  return {
    model,
    messages:
      conversation === undefined ? given : [...conversation.messageHistory, ...(last === undefined ? [] : [last])],
    conversationId: conversation?.userId,
    endpoint: request?.endpoint,
  };
};

/**
 * Records each reply with OpenTelemetry, after its semantic conventions for generative AI client
 * inference: a `chat <model>` span of kind `CLIENT`, active while the reply is subscribed (so an
 * instrumented HTTP client's span is its child), and the `gen_ai.client.operation.duration` and
 * `gen_ai.client.operation.time_to_first_chunk` histograms. Chunks pass unchanged.
 *
 * The span has `gen_ai.operation.name` `chat`, `gen_ai.provider.name` (and the older
 * `gen_ai.system`) `yqcloud`, `gen_ai.request.model`, `server.address`/`server.port` when the
 * request's endpoint is given, and at the end `yqcloud.reply.outcome` (`finished`, `error` or
 * `cancelled`), `yqcloud.reply.chunks`, `yqcloud.reply.characters`,
 * `gen_ai.response.time_to_first_chunk` (seconds), and: when finished `gen_ai.response.model`
 * and `gen_ai.response.finish_reasons` `['stop']`; on an error `error.type` (the
 * `YqcloudError`'s kind, `_OTHER` for anything else), an exception event and status `ERROR`;
 * when cancelled (unsubscribed, or an aborted `signal`) status unset. The metrics carry the same
 * `error.type` and outcome. Unsubscribing stops the source (synchronous ones too) and ends the span.
 *
 * ```
 * withTelemetry({ tracer, scheduler })
 * source: --a-b-F|          a, b = text, F = finish
 * result: --a-b-F|          span: time_to_first_chunk 0.002 s, outcome finished, 2 chunks
 * ```
 *
 * @example
 * ```ts
 * import { metrics, trace } from '@opentelemetry/api';
 * const request = { messages: [{ role: 'user' as const, content: 'Hello' }] };
 * provider.create(request).pipe(
 *   withTelemetry({ tracer: trace.getTracer('my-app'), meter: metrics.getMeter('my-app'), request }),
 * );
 * ```
 */
export const withTelemetry = (options?: WithTelemetryOptions): OperatorFunction<Chunk, Chunk> =>
  withOptions(readOptions('withTelemetry', options, { ...telemetryOptionReaders, request: requestOption }), (read) => {
    const settings = settingsOf(read);
    if (settings.tracer === undefined && settings.meter === undefined) return (source) => source;
    const telemetry = replyTelemetry(settings);
    const facts = replyFacts(read.request);
    // A watcher per subscription: each holds its own reply's span.
    return watchReply(() => [telemetry.watch(facts)].filter((w) => w !== undefined), settings.scheduler);
  });
