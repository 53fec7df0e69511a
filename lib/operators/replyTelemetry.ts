/**
 * The OpenTelemetry watcher of a reply: its span (after the GenAI conventions for client
 * inference) and its two histograms. A provider loads this module only when its `telemetry`
 * option is set.
 *
 * @module
 */
import { YqcloudError } from '../core/error.js';
import { messageText, type Message } from '../core/message.js';
import { extractSystem } from '../core/prompt.js';
import { genAi, genAiMetrics } from './genAiAttributes.js';
import {
  spanCodes,
  type TelemetryAttributes,
  type TelemetryHistogram,
  type TelemetrySpan,
} from './openTelemetryShapes.js';
import type { TelemetrySettings } from './telemetryOptions.js';
import type { ReplySummary, ReplyWatch } from './watchReply.js';

/**
 * The request as the telemetry uses it.
 */
export interface ReplyFacts {
  readonly model: string;
  /** The whole prompt: the conversation's history and the new messages. */
  readonly messages: ReadonlyArray<Message>;
  readonly conversationId: string | undefined;
  readonly endpoint: string | undefined;
}

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
