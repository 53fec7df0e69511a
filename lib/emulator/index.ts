/**
 * `yqcloud-rx/emulator`: a loopback emulator of the Yqcloud service, for demos, tests and
 * working without the network.
 *
 * @example
 * ```ts
 * import { startEmulator } from 'yqcloud-rx/emulator';
 * const emulator = await startEmulator();
 * // new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint })
 * await emulator.close();
 * ```
 *
 * @module yqcloud-rx/emulator
 */
export { startEmulator, apiPath } from './emulator.js';
export type { Emulator, EmulatorOptions } from './emulator.js';
export { validatePayload, parsePayload } from './payload.js';
export type { EmulatorPayload } from './payload.js';
export type { EmulatorRequest } from './requestLog.js';
export { parseFault, faultFromHeader } from './fault.js';
export type { Fault, FaultKind, HangPhase } from './fault.js';
export { promptRefusal } from './promptLimit.js';
export type { PromptLimit } from './promptLimit.js';
export { defaultReply } from './reply.js';
export type { ReplyFunction, ReplyContext } from './reply.js';
export { createConversationStore } from './conversations.js';
export type { ConversationStore, Turn } from './conversations.js';
