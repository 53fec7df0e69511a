/**
 * `yqcloud-rx/server` (Node): the relay that streams a provider's chunks to browsers as
 * Server-Sent Events, and the pieces it is made of, for `node:http` and for Web
 * `Request` → `Response` handlers: the guards (authorisation, CORS allow-list, body limit,
 * concurrent streams per client), SSE encoding, and the writers with a byte budget.
 *
 * @example
 * ```ts
 * import { bearerToken, createGuards, toServerSentEvents, writeEventStream } from 'yqcloud-rx/server';
 * const guards = createGuards({ authorize: bearerToken('s3cret') });
 * ```
 *
 * @module yqcloud-rx/server
 */
export { bearerToken, bearerTokenOf } from './authorize.js';
export type { Authorize } from './authorize.js';
export { checkOrigin, preflightHeaders } from './cors.js';
export type { CorsOptions, CorsVerdict } from './cors.js';
export { fromNodeRequest, fromWebRequest } from './guardRequest.js';
export type { GuardRequest } from './guardRequest.js';
export { createGuards } from './guards.js';
export type { Admission, AdmitOptions, GuardOptions, Guards } from './guards.js';
export { defaultMaxBodyBytes, parseJson, readNodeJson, readWebJson } from './readBody.js';
export type { BodyResult } from './readBody.js';
export {
  badRequest,
  forbiddenOrigin,
  methodNotAllowed,
  payloadTooLarge,
  refusalJson,
  refusalResponse,
  tooManyStreams,
  unauthorized,
  unsupportedMediaType,
  writeRefusal,
} from './refusal.js';
export type { Refusal } from './refusal.js';
export { createStreamLimiter } from './streamLimiter.js';
export type { StreamLimiter } from './streamLimiter.js';
export { encodeChunk, encodeError, sseEvent, toServerSentEvents } from './serverSentEvents.js';
export type { ServerSentEventsOptions } from './serverSentEvents.js';
export { defaultKeepAliveMs, keepAlive, keepAliveComment } from './keepAlive.js';
export type { KeepAliveOptions } from './keepAlive.js';
export { defaultMaxBufferedBytes, eventStreamHeaders } from './eventStreamHeaders.js';
export type { EventStreamOptions } from './eventStreamHeaders.js';
export { writeEventStream } from './writeEventStream.js';
export { eventStreamResponse } from './eventStreamResponse.js';
export { createRelayHandler } from './relayHandler.js';
export type { RelayFetchInfo, RelayHandler, RelayOptions, RelayUpstream } from './relayHandler.js';
export { decodeRelayBody, RelayBodyCodec } from './relayBody.js';
export type { RelayBody } from './relayBody.js';
export { startReply } from './startReply.js';
export { createOpenAIHandler, openaiAllowHeaders, openaiExposeHeaders } from './openai/openaiHandler.js';
export type { OpenAIFetchInfo, OpenAIHandler, OpenAIHandlerOptions, OpenAIProvider } from './openai/openaiHandler.js';
export { decodeChatCompletionRequest, toChatRequest } from './openai/chatCompletionRequest.js';
export type { ChatCompletionRequest } from './openai/chatCompletionRequest.js';
export {
  chatCompletion,
  contentChunk,
  doneEvent,
  firstChunk,
  modelList,
  sseData,
  stopChunk,
} from './openai/completion.js';
export type { ChatCompletion, ChatCompletionChunk, ChunkDelta, CompletionMeta } from './openai/completion.js';
export { openaiErrorBody, openaiErrorOf, refusalOf, retryAfterHeaders } from './openai/openaiError.js';
export type { OpenAIErrorBody, OpenAIErrorResponse } from './openai/openaiError.js';
