/**
 * `yqcloud-rx/server` (Node): the relay, which streams a provider's chunks to browsers as
 * Server-Sent Events, and the OpenAI-compatible endpoint, both on one pipeline (guards, bounded
 * and timed bodies, stream leases per verified client, safe errors), for `node:http` and for Web
 * `Request` → `Response` handlers; the store they share; and the SSE operators and writers for
 * endpoints of your own.
 *
 * @example
 * ```ts
 * import { bearerToken, createMemoryStore, createOpenAIHandler, createRelayHandler } from 'yqcloud-rx/server';
 * const store = createMemoryStore(); // one budget per client across both handlers
 * const relay = createRelayHandler({ provider, authorize: bearerToken('s3cret'), store });
 * const openai = createOpenAIHandler({ provider, authorize: bearerToken('s3cret'), store });
 * ```
 *
 * @module yqcloud-rx/server
 */
export { createRelayHandler } from './routes/relay/relayHandler.js';
export type { RelayHandler, RelayOptions } from './routes/relay/relayHandler.js';
export { createOpenAIHandler, openaiAllowHeaders, openaiExposeHeaders } from './routes/openai/openaiHandler.js';
export type { OpenAIHandler, OpenAIHandlerOptions } from './routes/openai/openaiHandler.js';
export { createUIMessageStreamHandler } from './routes/uiMessageStream/uiMessageStreamHandler.js';
export type {
  UIMessageStreamHandler,
  UIMessageStreamHandlerOptions,
} from './routes/uiMessageStream/uiMessageStreamHandler.js';
export { accessLogLine } from './pipeline/accessLog.js';
export type { AccessLogEntry, AccessLogger } from './pipeline/accessLog.js';
export type { ServerOptions } from './pipeline/pipeline.js';
export type { ChatProvider } from '../index.js';
export { bearerToken } from './pipeline/authorize.js';
export type { Authorization, Authorize } from './pipeline/authorize.js';
export type { FetchInfo, GuardRequest } from './pipeline/request.js';
export type { CorsOptions } from './pipeline/cors.js';
export type { ServerLogEntry, ServerLogger } from './pipeline/safeError.js';
export { createMemoryStore } from './store/memoryStore.js';
export type { MemoryStoreOptions } from './store/memoryStore.js';
export type { Lease, ServerStore } from './store/store.js';
export { createMemoryReplyStore } from './store/replyStore.js';
export type { ReplyStore } from './store/replyStore.js';
export { createRedisStore, StoreUnavailable } from './store/redisStore.js';
export type { RedisStore, RedisStoreOptions } from './store/redisStore.js';
export type { RedisConnectionOptions } from './store/redisConnection.js';
export type { RedisReplyLogOptions } from './store/redisReplyLog.js';
export type {
  ReplyLog,
  ReplyLogOptions,
  ReplyEntry,
  LoggedEntry,
  ReplyProducer,
  ProducerAbortReason,
  ReplyUsage,
  OpenReplyOptions,
} from './store/replyLog.js';
export type { MemoryReplyLogOptions } from './store/memoryReplyLog.js';
export type { RateDecision, RequestRate } from './store/requestRate.js';
export { toServerSentEvents } from './routes/relay/serverSentEvents.js';
export type { ServerSentEventsOptions } from './routes/relay/serverSentEvents.js';
export { keepAlive, keepAliveComment } from './pipeline/keepAlive.js';
export type { KeepAliveOptions } from './pipeline/keepAlive.js';
export { eventStreamResponse, writeEventStream } from './pipeline/eventStream.js';
export type { EventStreamOptions } from './pipeline/eventStream.js';
