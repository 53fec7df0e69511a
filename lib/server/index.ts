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
 * @module
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
