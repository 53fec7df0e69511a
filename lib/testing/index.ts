/**
 * `yqcloud-rx/testing`: what a user needs to marble-test an app built on the provider without a
 * network.
 *
 * @example
 * ```ts
 * import { answers, createScriptedProvider, createTestProvider, textChunks } from 'yqcloud-rx/testing';
 * ```
 *
 * @module yqcloud-rx/testing
 */
export { createTestProvider } from './testProvider.js';
export type { TestProvider, TestProviderOptions, TestBody, RecordedRequest } from './testProvider.js';
export { createScriptedProvider, answers } from './scriptedProvider.js';
export type { ScriptStep } from './scriptedProvider.js';
export { textChunks, replyValues, toMarble } from './marbles.js';
