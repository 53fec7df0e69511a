import * as E from '#fp-ts/Either.js';
import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Chunk } from '../core/chunk.js';
import { ConversationCodec, type Conversation } from '../core/conversation.js';
import { invalidRequest, YqcloudError } from '../core/error.js';
import { MessageCodec, messageText, type Message } from '../core/message.js';
import { extractSystem } from '../core/prompt.js';
import { yqcloudModels } from '../core/request.js';
import { ownSnapshot } from '../core/snapshot.js';
import { genAi, genAiMetrics } from './genAiAttributes.js';
import {
  spanCodes,
  type TelemetryAttributes,
  type TelemetryHistogram,
  type TelemetryMeter,
  type TelemetrySpan,
  type TelemetryTracer,
} from './openTelemetryShapes.js';
import { readOptions, schedulerOption, withOptions, type Checked, type OptionReader } from './options.js';
import { watchReply, type ReplySummary, type ReplyWatch } from './watchReply.js';

/**
 * Where the telemetry of replies goes and what it records. Prompt and reply text, and the
 * conversation's id, are recorded only when asked for.
 *
 * @example
 * ```ts
 * import { metrics, trace } from '@opentelemetry/api';
 * const telemetry: TelemetryOptions = { tracer: trace.getTracer('my-app'), meter: metrics.getMeter('my-app') };
 * ```
 */
export interface TelemetryOptions {
  /** Makes a span per reply (an OpenTelemetry `Tracer`). */
  readonly tracer?: TelemetryTracer | undefined;
  /** Records the duration and time-to-first-chunk histograms (an OpenTelemetry `Meter`). */
  readonly meter?: TelemetryMeter | undefined;
  /**
   * Records the prompt and the reply on the span (`gen_ai.system_instructions`,
   * `gen_ai.input.messages`, `gen_ai.output.messages`). Default `false`: they may be personal data.
   */
  readonly recordContent?: boolean | undefined;
  /**
   * Records the conversation's `userId` as `gen_ai.conversation.id`. Default `false`: whoever has
   * it can continue the conversation.
   */
  readonly recordConversationId?: boolean | undefined;
  /** The clock of the timings (default `asyncScheduler`; a `TestScheduler` in marble tests). */
  readonly scheduler?: SchedulerLike | undefined;
}

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

/**
 * Telemetry options after reading, defaults filled.
 *
 * @example
 * ```ts
 * const settings: TelemetrySettings = { tracer, meter, recordContent: false, recordConversationId: false, scheduler: asyncScheduler };
 * ```
 */
export interface TelemetrySettings {
  readonly tracer: TelemetryTracer | undefined;
  readonly meter: TelemetryMeter | undefined;
  readonly recordContent: boolean;
  readonly recordConversationId: boolean;
  readonly scheduler: SchedulerLike;
}

/**
 * The request as the telemetry uses it.
 *
 * @example
 * ```ts
 * const facts: ReplyFacts = { model: 'gpt-4', messages, conversationId: undefined, endpoint: 'http://127.0.0.1:8080/api/generateStream' };
 * ```
 */
export interface ReplyFacts {
  readonly model: string;
  /** The whole prompt: the conversation's history and the new messages. */
  readonly messages: ReadonlyArray<Message>;
  readonly conversationId: string | undefined;
  readonly endpoint: string | undefined;
}

const hasMethod = (u: unknown, name: string): boolean => {
  try {
    return typeof u === 'object' && u !== null && typeof (u as Record<string, unknown>)[name] === 'function';
  } catch {
    return false;
  }
};

const objectWith =
  <A>(method: string, expected: string): OptionReader<A | undefined> =>
  (path, u) =>
    u === undefined || hasMethod(u, method)
      ? E.right(u as A | undefined)
      : E.left(invalidRequest(path, `expected ${expected}`));

const booleanOption: OptionReader<boolean | undefined> = (path, u) =>
  u === undefined || typeof u === 'boolean' ? E.right(u) : E.left(invalidRequest(path, 'expected a boolean'));

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

const optionReaders = {
  tracer: objectWith<TelemetryTracer>('startActiveSpan', 'an OpenTelemetry Tracer'),
  meter: objectWith<TelemetryMeter>('createHistogram', 'an OpenTelemetry Meter'),
  recordContent: booleanOption,
  recordConversationId: booleanOption,
  scheduler: schedulerOption,
};

type ReadTelemetry = {
  readonly tracer: TelemetryTracer | undefined;
  readonly meter: TelemetryMeter | undefined;
  readonly recordContent: boolean | undefined;
  readonly recordConversationId: boolean | undefined;
  readonly scheduler: SchedulerLike | undefined;
};

const settingsOf = (read: ReadTelemetry): TelemetrySettings => ({
  tracer: read.tracer,
  meter: read.meter,
  recordContent: read.recordContent ?? false,
  recordConversationId: read.recordConversationId ?? false,
  scheduler: read.scheduler ?? asyncScheduler,
});

/**
 * Reads telemetry options (a provider's `telemetry`), refusing unknown keys.
 *
 * @example
 * ```ts
 * readTelemetryOptions('telemetry', { tracer }); // right({ tracer, meter: undefined, recordContent: false, … })
 * ```
 */
export const readTelemetryOptions = (path: string, u: unknown): Checked<TelemetrySettings> =>
  E.map(settingsOf)(readOptions(path, u, optionReaders));

/** `server.address` and `server.port` of an absolute http(s) URL; nothing for a path. */
const serverOf = (endpoint: string | undefined): TelemetryAttributes => {
  if (endpoint === undefined || !URL.canParse(endpoint)) return {};
  const url = new URL(endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return {};
  return {
    [genAi.serverAddress]: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    [genAi.serverPort]: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port),
  };
};

const textParts = (message: Message): ReadonlyArray<{ type: 'text'; content: string }> => [
  { type: 'text', content: messageText(message) },
];

/** The prompt as the conventions' JSON: system instructions apart, the other messages with parts. */
const contentAttributes = (messages: ReadonlyArray<Message>): TelemetryAttributes => {
  const { system, messages: rest } = extractSystem(messages);
  return {
    ...(system._tag === 'Some'
      ? { [genAi.systemInstructions]: JSON.stringify([{ type: 'text', content: system.value }]) }
      : {}),
    [genAi.inputMessages]: JSON.stringify(rest.map((m) => ({ role: m.role, parts: textParts(m) }))),
  };
};

const errorAttributes = (error: unknown): TelemetryAttributes => {
  if (!(error instanceof YqcloudError)) return { [genAi.errorType]: '_OTHER' };
  return {
    [genAi.errorType]: error.kind,
    ...(error.kind === 'Http' && error.status !== undefined ? { [genAi.httpStatus]: error.status } : {}),
    ...(error.phase === undefined ? {} : { [genAi.timeoutPhase]: error.phase }),
    ...(error.reason === undefined ? {} : { [genAi.blockReason]: error.reason }),
  };
};

const finishReasonOf = { finished: 'stop', error: 'error', cancelled: 'cancelled' } as const;

/**
 * The settings with their instruments made: what a provider keeps, to watch each reply.
 *
 * @example
 * ```ts
 * const telemetry: ReplyTelemetry = replyTelemetry({ tracer, meter, recordContent: false, recordConversationId: false, scheduler: asyncScheduler });
 * const watch = telemetry.watch(replyFacts({ messages }));
 * ```
 */
export interface ReplyTelemetry {
  readonly settings: TelemetrySettings;
  /** The watcher of one reply; `undefined` when there is neither tracer nor meter. */
  readonly watch: (facts: ReplyFacts) => ReplyWatch | undefined;
}

/**
 * Makes the histograms (when there is a meter) and returns the watcher of each reply: a span
 * (when there is a tracer) that is active while the reply is subscribed, its attributes after
 * OpenTelemetry's GenAI conventions, and the two metrics recorded at the end.
 *
 * @example
 * ```ts
 * const telemetry = replyTelemetry({ tracer, meter, recordContent: false, recordConversationId: false, scheduler: asyncScheduler });
 * ```
 */
export const replyTelemetry = (settings: TelemetrySettings): ReplyTelemetry => {
  const { tracer, meter, recordContent, recordConversationId } = settings;
  const histogram = (m: (typeof genAiMetrics)[keyof typeof genAiMetrics]): TelemetryHistogram | undefined =>
    meter?.createHistogram(m.name, {
      unit: m.unit,
      description: m.description,
      advice: { explicitBucketBoundaries: [...m.buckets] },
    });
  const duration = histogram(genAiMetrics.duration);
  const firstChunk = histogram(genAiMetrics.timeToFirstChunk);

  const watch = (facts: ReplyFacts): ReplyWatch | undefined => {
    if (tracer === undefined && meter === undefined) return undefined;
    const server = serverOf(facts.endpoint);
    const common: TelemetryAttributes = {
      [genAi.operationName]: 'chat',
      [genAi.providerName]: 'yqcloud',
      [genAi.requestModel]: facts.model,
      ...server,
    };
    let span: TelemetrySpan | undefined;
    let reply = '';
    const recordId = recordConversationId && facts.conversationId !== undefined;

    const end = (summary: ReplySummary): void => {
      const outcome: TelemetryAttributes = {
        [genAi.outcome]: summary.outcome,
        ...(summary.outcome === 'finished' ? { [genAi.responseModel]: facts.model } : {}),
        ...(summary.outcome === 'error' ? errorAttributes(summary.error) : {}),
      };
      const metricAttributes = { ...common, ...outcome };
      duration?.record(summary.durationMs / 1000, metricAttributes);
      if (summary.timeToFirstChunkMs !== undefined)
        firstChunk?.record(summary.timeToFirstChunkMs / 1000, metricAttributes);
      if (span === undefined) return;
      span.setAttributes({
        ...outcome,
        [genAi.chunks]: summary.chunks,
        [genAi.characters]: summary.characters,
        ...(summary.timeToFirstChunkMs === undefined
          ? {}
          : { [genAi.timeToFirstChunk]: summary.timeToFirstChunkMs / 1000 }),
        ...(summary.outcome === 'finished' ? { [genAi.finishReasons]: ['stop'] } : {}),
        ...(recordConversationId && !recordId && summary.conversationId !== undefined
          ? { [genAi.conversationId]: summary.conversationId }
          : {}),
        ...(recordContent
          ? {
              [genAi.outputMessages]: JSON.stringify([
                {
                  role: 'assistant',
                  parts: [{ type: 'text', content: reply }],
                  finish_reason: finishReasonOf[summary.outcome],
                },
              ]),
            }
          : {}),
      });
      if (summary.outcome === 'error') {
        const e = summary.error;
        const message = e instanceof Error ? e.message : 'the reply failed';
        span.recordException({ name: e instanceof Error ? e.name : 'Error', message });
        span.setStatus({ code: spanCodes.statusError, message });
      }
      span.end();
    };

    return {
      start: (subscribe) => {
        if (tracer === undefined) return subscribe();
        tracer.startActiveSpan(
          `chat ${facts.model}`,
          {
            kind: spanCodes.kindClient,
            attributes: {
              ...common,
              [genAi.system]: 'yqcloud',
              [genAi.outputType]: 'text',
              ...(recordId ? { [genAi.conversationId]: facts.conversationId } : {}),
              ...(recordContent ? contentAttributes(facts.messages) : {}),
            },
          },
          (started) => {
            span = started;
            subscribe();
          },
        );
      },
      ...(recordContent && tracer !== undefined
        ? {
            text: (text: string) => {
              reply += text;
            },
          }
        : {}),
      end,
    };
  };
  return { settings, watch };
};

/**
 * The request's facts: its model (or the default), its whole prompt, its conversation's id.
 *
 * @example
 * ```ts
 * replyFacts({ messages }).model; // 'gpt-4'
 * ```
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
  withOptions(readOptions('withTelemetry', options, { ...optionReaders, request: requestOption }), (read) => {
    const settings = settingsOf(read);
    if (settings.tracer === undefined && settings.meter === undefined) return (source) => source;
    const telemetry = replyTelemetry(settings);
    const facts = replyFacts(read.request);
    // A watcher per subscription: each holds its own reply's span.
    return watchReply(() => [telemetry.watch(facts)].filter((w) => w !== undefined), settings.scheduler);
  });
