/**
 * yqcloud-rx: chat replies from the Yqcloud service as an RxJS `Observable<Chunk>`.
 *
 * @example
 * ```ts
 * import { Yqcloud } from 'yqcloud-rx';
 * Yqcloud.create({ messages: [{ role: 'user', content: 'Hello' }] }).subscribe((chunk) => {
 *   if (chunk.type === 'text') process.stdout.write(chunk.text);
 * });
 * ```
 *
 * @module
 */
export { Yqcloud, YqcloudProvider } from './provider/yqcloudProvider.js';
export { yqcloudApiEndpoint, yqcloudUrl, defaultMaxResponseBytes } from './provider/options.js';
export type { YqcloudProviderOptions } from './provider/options.js';
export { RelayProvider } from './provider/relayProvider.js';
export type { RelayProviderOptions } from './provider/relayOptions.js';
export { banPrefix, abnormalTrafficPrefix, classifyStart } from './provider/inBand.js';
export type { Verdict } from './provider/inBand.js';
export { buildPayload, turnConversation, defaultHeaders } from './provider/payload.js';
export type { Payload } from './provider/payload.js';

export { Conversation } from './core/conversation.js';
export type { ConversationJson, ConversationDecodeError } from './core/conversation.js';
export { YqcloudError } from './core/error.js';
export type {
  YqcloudErrorInit,
  ErrorKind,
  TimeoutPhase,
  BlockReason,
  YqcloudErrorOf,
  ErrorFields,
} from './core/error.js';
export { text, conversation, finish, isText, isConversation, isFinish } from './core/chunk.js';
export type { Chunk, TextChunk, ConversationChunk, FinishChunk } from './core/chunk.js';
export { MessageCodec, messageText, contentText } from './core/message.js';
export type { Message, Role, Content, TextPart } from './core/message.js';
export { extractSystem, formatPrompt } from './core/prompt.js';
export { trimHistory, turnsOf } from './core/historyBudget.js';
export type { HistoryBudget } from './core/historyBudget.js';
export type { SplitHistory } from './core/prompt.js';
export { validateRequest, yqcloudModels } from './core/request.js';
export type { ChatRequest, ValidRequest, ModelSet } from './core/request.js';
export type { ProxyConfig, ProxyProtocol } from './core/proxy.js';
export type { Headers } from './core/headers.js';

export { decodeUtf8, createUtf8Decoder } from './http/utf8.js';
export type { Utf8Decoder } from './http/utf8.js';
export type { Transport, HttpRequest, ResponseEvent, ResponseHead, ResponseBody } from './http/transport.js';

export {
  textOnly,
  accumulateText,
  finalMessage,
  bufferText,
  cutAt,
  withTimeouts,
  retryTransient,
  isTransient,
  backoffDelay,
  fallback,
  isRouteFailure,
} from './operators/index.js';
export type {
  AssistantMessage,
  BufferTextOptions,
  TextBoundary,
  TimeoutOptions,
  RetryOptions,
  FallbackOptions,
  FallbackRoute,
} from './operators/index.js';

export { createChatSession } from './session/index.js';
export type { ChatSession, ChatSessionOptions, ChatProvider, ChatState, ReplyEnd } from './session/index.js';
