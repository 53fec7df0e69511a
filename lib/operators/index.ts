/**
 * The operators of yqcloud-rx, one per file.
 *
 * @example
 * ```ts
 * import { bufferText, retryTransient, withTimeouts } from 'yqcloud-rx';
 * provider.create({ messages }).pipe(withTimeouts({ firstChunkMs: 10_000 }), retryTransient(), bufferText());
 * ```
 *
 * @module
 */
export { textOnly } from './textOnly.js';
export { accumulateText } from './accumulateText.js';
export { finalMessage } from './finalMessage.js';
export type { AssistantMessage } from './finalMessage.js';
export { bufferText } from './bufferText.js';
export type { BufferTextOptions } from './bufferText.js';
export { cutAt } from './textBoundary.js';
export type { TextBoundary } from './textBoundary.js';
export { withTimeouts } from './withTimeouts.js';
export type { TimeoutOptions } from './withTimeouts.js';
export { retryTransient, isTransient, backoffDelay } from './retryTransient.js';
export type { RetryOptions } from './retryTransient.js';
export { fallback, isRouteFailure } from './fallback.js';
export type { FallbackOptions, FallbackRoute } from './fallback.js';
export { withTelemetry } from './withTelemetry.js';
export type { TelemetryRequest, WithTelemetryOptions } from './withTelemetry.js';
export type { TelemetryOptions } from './telemetryOptions.js';
export type {
  TelemetryTracer,
  TelemetryMeter,
  TelemetrySpan,
  TelemetryHistogram,
  TelemetryAttributes,
  TelemetryAttributeValue,
} from './openTelemetryShapes.js';
export { replyChannelNames } from './replyChannelNames.js';
export type { ReplyChannelMessages, ReplyChannelReply } from './replyChannelNames.js';
export type { ReplyOutcome } from './watchReply.js';
