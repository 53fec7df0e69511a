/**
 * `yqcloud-rx/internal`: the building blocks the library's own entry points share (the testing
 * helpers, the emulator, the command line, the relay). Nothing here is covered by semver; use
 * the root entry point, `yqcloud-rx`, in applications.
 *
 * @example
 * ```ts
 * import { pipe } from 'fp-ts/function';
 * import * as E from 'fp-ts/Either';
 * import { buildPayload, turnConversation, validateRequest } from 'yqcloud-rx/internal';
 *
 * // The body the provider would POST for a request, without sending it.
 * const body = pipe(
 *   validateRequest({ messages: [{ role: 'user', content: 'Hello' }] }),
 *   E.map((request) => buildPayload(turnConversation(request), request.stream)),
 * );
 * ```
 *
 * @module
 */
export { yqcloudApiEndpoint, yqcloudUrl, defaultMaxResponseBytes } from './provider/options.js';
export { banPrefix, abnormalTrafficPrefix, classifyStart } from './provider/inBand.js';
export type { Verdict } from './provider/inBand.js';
export { buildPayload, turnConversation, defaultHeaders } from './provider/payload.js';

export { MessageCodec } from './core/message.js';
export { validateRequest, yqcloudModels } from './core/request.js';
export type { ValidRequest, ModelSet } from './core/request.js';

export { decodeUtf8, createUtf8Decoder } from './http/utf8.js';
export type { Utf8Decoder } from './http/utf8.js';

export { cutAt, backoffDelay } from './operators/index.js';
export { redactUrl } from './core/redact.js';
export { stripControls } from './core/controlText.js';
export {
  encodeChunk,
  encodeErrorEvent,
  protocolError,
  relayEventNames,
  relayStep,
  sseEvent,
} from './core/relayProtocol.js';
export type { RelayEvent, RelayStep } from './core/relayProtocol.js';
export { mintUserId } from './core/conversation.js';
