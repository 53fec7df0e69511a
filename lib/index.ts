/**
 * yqcloud-rx: chat replies from the Yqcloud service as an RxJS `Observable<Chunk>`.
 *
 * This entry point is the public API; [the architecture](../docs/architecture.md) says how it
 * is built. The building blocks the other entry points share (request validation, the payload,
 * in-band detection, UTF-8 decoding, …) are in `yqcloud-rx/internal`, which follows no semver
 * promise.
 *
 * @example
 * ```ts
 * import { Yqcloud } from 'yqcloud-rx';
 * Yqcloud.create({ messages: [{ role: 'user', content: 'Hello' }] }).subscribe((chunk) => {
 *   if (chunk.type === 'text') process.stdout.write(chunk.text);
 * });
 * ```
 *
 * @module yqcloud-rx
 */
export { Yqcloud, YqcloudProvider } from './provider/yqcloudProvider.js';
export type { YqcloudProviderOptions } from './provider/options.js';
export { defaultFirstChunkTimeoutMs, defaultHeadersTimeoutMs } from './provider/options.js';
export { apiEndpointVariable, logVariable } from './provider/environment.js';
export type { Logger, LogDetails } from './http/loggingTransport.js';
export { RelayProvider } from './provider/relayProvider.js';
export type { RelayProviderOptions } from './provider/relayOptions.js';
export type { ResumeOptions } from './provider/resumeOnDrop.js';
export type { ReplyCheckpoint, ResumePoint } from './provider/replyCheckpoint.js';
export type { FetchFunction } from './http/webFetchTransport.js';
export type { Payload } from './provider/payload.js';

export { Conversation } from './core/conversation.js';
export type { ConversationJson, ConversationDecodeError } from './core/conversation.js';
export { YqcloudError } from './core/error.js';
export type {
  YqcloudErrorInit,
  YqcloudErrorArgs,
  ErrorKind,
  TimeoutPhase,
  BlockReason,
  YqcloudErrorOf,
  ErrorFields,
  ErrorFieldTypes,
} from './core/error.js';
export { text, conversation, finish, isText, isConversation, isFinish } from './core/chunk.js';
export type { Chunk, TextChunk, ConversationChunk, FinishChunk } from './core/chunk.js';
export { messageText, contentText } from './core/message.js';
export type { Message, Role, Content, TextPart } from './core/message.js';
export { extractSystem, formatPrompt } from './core/prompt.js';
export { trimHistory, turnsOf } from './core/historyBudget.js';
export type { HistoryBudget } from './core/historyBudget.js';
export type { SplitHistory } from './core/prompt.js';
export type { ChatRequest } from './core/request.js';
export type { ProxyConfig, ProxyProtocol } from './core/proxy.js';
export type { HeaderRecord } from './core/headers.js';

export { fetchTransport } from './http/fetchTransport.js';
export type { FetchTransportOptions } from './http/fetchTransport.js';
export { nodeTransport } from '#nodeTransport';
export type { NodeTransport, NodeTransportOptions } from '#nodeTransport';
export type { Transport, HttpRequest, ResponseEvent, ResponseHead, ResponseBody } from './http/transport.js';

export {
  textOnly,
  accumulateText,
  finalMessage,
  bufferText,
  withTimeouts,
  retryTransient,
  isTransient,
  fallback,
  isRouteFailure,
  withTelemetry,
  replyChannelNames,
} from './operators/index.js';
export type {
  AssistantMessage,
  BufferTextOptions,
  TextBoundary,
  TimeoutOptions,
  RetryOptions,
  FallbackOptions,
  FallbackRoute,
  TelemetryOptions,
  TelemetryRequest,
  WithTelemetryOptions,
  TelemetryTracer,
  TelemetryMeter,
  TelemetrySpan,
  TelemetryHistogram,
  TelemetryAttributes,
  TelemetryAttributeValue,
  ReplyChannelMessages,
  ReplyChannelReply,
  ReplyOutcome,
} from './operators/index.js';

export { createChatSession } from './session/index.js';
export type {
  AdoptedReply,
  ChatSession,
  ChatSessionOptions,
  ChatProvider,
  ChatState,
  ReplyEnd,
} from './session/index.js';
