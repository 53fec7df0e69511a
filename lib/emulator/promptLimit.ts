/**
 * The emulator's prompt limit: the service sends the whole history as one `prompt`, and a
 * service has to stop somewhere. The emulator refuses a prompt over the limit with HTTP 413 and
 * a plain-text body, before any reply, so a client's history budget can be tested end to end
 * (the client sees `YqcloudError` kind `Http`, status 413).
 *
 * @module
 */

/**
 * The longest prompt the emulator answers.
 *
 * @example
 * ```ts
 * const limit: PromptLimit = { maxChars: 4000 };
 * ```
 */
export interface PromptLimit {
  /** The most characters of the `prompt` field (UTF-16 code units, as JavaScript counts; `system` not included). */
  readonly maxChars: number;
}

/**
 * The refusal of a prompt over the limit, or `undefined` when it is within it (or there is no limit).
 *
 * @example
 * ```ts
 * promptRefusal({ maxChars: 5 }, 'Hello, world'); // { status: 413, body: 'the prompt is 12 characters long; this service takes at most 5' }
 * promptRefusal(undefined, 'Hello, world');       // undefined
 * ```
 */
export const promptRefusal = (
  limit: PromptLimit | undefined,
  prompt: string,
): { readonly status: 413; readonly body: string } | undefined =>
  limit === undefined || prompt.length <= limit.maxChars
    ? undefined
    : {
        status: 413,
        body: `the prompt is ${prompt.length} characters long; this service takes at most ${limit.maxChars}`,
      };
