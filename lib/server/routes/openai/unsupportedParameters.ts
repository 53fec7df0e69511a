/**
 * What an OpenAI chat completion request may ask for that this server cannot honour, found
 * before anything is sent. Pure functions.
 *
 * The Yqcloud service answers one message with text: it calls no tool, follows no JSON schema,
 * gives one choice and no log probabilities. A request that depends on one of those is refused
 * with a 400 naming the parameter (OpenAI's `unsupported_parameter` / `unsupported_value`), as
 * servers without tools do (Ollama, llama.cpp without `--jinja`, vLLM without auto tool choice),
 * so that an agent sees the refusal and falls back instead of reading a plain reply as "no tool
 * call". What only tunes the sampling is accepted and ignored ({@link ignoredParameters}): the
 * clients send it on every call (LlamaIndex `temperature` and `top_p`). `max_tokens`,
 * `max_completion_tokens` and `stop` are honoured by the route itself (`replyLimit.ts`).
 *
 * @module
 */
import * as O from '#fp-ts/Option.js';

/**
 * A refused parameter, in the terms of OpenAI's error object.
 *
 * @example
 * ```ts
 * const refused: UnsupportedParameter = {
 *   param: 'tools',
 *   code: 'unsupported_parameter',
 *   message: 'tools: this server calls no tools (the Yqcloud service answers with text only)',
 * };
 * ```
 */
export interface UnsupportedParameter {
  /** The request's field, as OpenAI names it in `error.param` (`tools`, `messages.2.role`, …). */
  readonly param: string;
  /** `unsupported_parameter`: the field cannot be used at all; `unsupported_value`: not with this value. */
  readonly code: 'unsupported_parameter' | 'unsupported_value';
  /** Says what was refused and what to send instead; holds nothing of the request but its field names. */
  readonly message: string;
}

/**
 * The parameters accepted and ignored: they tune how a model samples, and a reply that did not
 * follow them is still a reply of the same shape.
 */
export const ignoredParameters: ReadonlyArray<string> = [
  'temperature',
  'top_p',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'seed',
  'user',
  'logprobs (false)',
  'top_logprobs (0)',
  'parallel_tool_calls',
  'store',
  'metadata',
  'service_tier',
  'reasoning_effort',
  'verbosity',
  'prediction',
  'prompt_cache_key',
  'prompt_cache_retention',
  'safety_identifier',
  'stream_options.include_obfuscation',
];

type Fields = Readonly<Record<string, unknown>>;

const isRecord = (u: unknown): u is Fields => typeof u === 'object' && u !== null && !Array.isArray(u);

/** An own property only: a polluted `Object.prototype` adds no parameter. */
const own = (u: unknown, key: string): unknown => (isRecord(u) && Object.hasOwn(u, key) ? u[key] : undefined);

const absent = (u: unknown): boolean => u === undefined || u === null;

const refuse = (param: string, code: UnsupportedParameter['code'], why: string): O.Option<UnsupportedParameter> =>
  O.some({ param, code, message: `${param}: ${why}` });

const noTools = 'this server calls no tools (the Yqcloud service answers with text only); send the request without';

/** `tools` and `functions`: absent, null or an empty list. */
const toolList = (body: unknown, key: 'tools' | 'functions'): O.Option<UnsupportedParameter> => {
  const value = own(body, key);
  return absent(value) || (Array.isArray(value) && value.length === 0)
    ? O.none
    : refuse(key, 'unsupported_parameter', `${noTools} ${key}`);
};

/** `tool_choice` and `function_call`: only the values that ask for no call. */
const choice = (body: unknown, key: 'tool_choice' | 'function_call'): O.Option<UnsupportedParameter> => {
  const value = own(body, key);
  return absent(value) || value === 'none' || value === 'auto'
    ? O.none
    : refuse(key, 'unsupported_value', `only "none" or "auto" can be honoured: ${noTools} ${key}`);
};

const responseFormat = (body: unknown): O.Option<UnsupportedParameter> => {
  const value = own(body, 'response_format');
  return absent(value) || own(value, 'type') === 'text'
    ? O.none
    : refuse(
        'response_format',
        'unsupported_value',
        'only { "type": "text" } can be honoured: the service follows no JSON mode or schema; ask for JSON in the prompt and parse the text',
      );
};

const choiceCount = (body: unknown): O.Option<UnsupportedParameter> => {
  const value = own(body, 'n');
  return absent(value) || value === 1
    ? O.none
    : refuse('n', 'unsupported_value', 'only one choice (n: 1) can be generated');
};

const logprobs = (body: unknown): O.Option<UnsupportedParameter> =>
  own(body, 'logprobs') === true
    ? refuse('logprobs', 'unsupported_value', 'the service reports no log probabilities')
    : O.none;

const topLogprobs = (body: unknown): O.Option<UnsupportedParameter> => {
  const value = own(body, 'top_logprobs');
  return absent(value) || value === 0
    ? O.none
    : refuse('top_logprobs', 'unsupported_value', 'the service reports no log probabilities');
};

const audio = (body: unknown): O.Option<UnsupportedParameter> =>
  absent(own(body, 'audio')) ? O.none : refuse('audio', 'unsupported_parameter', 'the service answers with text only');

const modalities = (body: unknown): O.Option<UnsupportedParameter> => {
  const value = own(body, 'modalities');
  return absent(value) || (Array.isArray(value) && value.every((m) => m === 'text'))
    ? O.none
    : refuse('modalities', 'unsupported_value', 'only ["text"] can be honoured: the service answers with text only');
};

/** A message that only a tool-calling model can read: a tool's result, a call made before. */
const message = (m: unknown, index: number): O.Option<UnsupportedParameter> => {
  const role = own(m, 'role');
  if (role === 'tool' || role === 'function')
    return refuse(`messages.${index}.role`, 'unsupported_value', `${noTools} tool results`);
  const calls = own(m, 'tool_calls');
  if (!absent(calls) && !(Array.isArray(calls) && calls.length === 0))
    return refuse(`messages.${index}.tool_calls`, 'unsupported_parameter', `${noTools} tool calls in the history`);
  if (!absent(own(m, 'function_call')))
    return refuse(`messages.${index}.function_call`, 'unsupported_parameter', `${noTools} function calls`);
  const content = own(m, 'content');
  if (!Array.isArray(content)) return O.none;
  const part = content.findIndex((p) => own(p, 'type') !== 'text');
  return part === -1
    ? O.none
    : refuse(
        `messages.${index}.content.${part}.type`,
        'unsupported_value',
        'only text parts can be honoured: the service reads no image, audio or file',
      );
};

const messages = (body: unknown): O.Option<UnsupportedParameter> => {
  const value = own(body, 'messages');
  if (!Array.isArray(value)) return O.none;
  for (let i = 0; i < value.length; i++) {
    const found = message(value[i], i);
    if (O.isSome(found)) return found;
  }
  return O.none;
};

const checks: ReadonlyArray<(body: unknown) => O.Option<UnsupportedParameter>> = [
  (body) => toolList(body, 'tools'),
  (body) => choice(body, 'tool_choice'),
  (body) => toolList(body, 'functions'),
  (body) => choice(body, 'function_call'),
  responseFormat,
  choiceCount,
  logprobs,
  topLogprobs,
  audio,
  modalities,
  messages,
];

/**
 * The first parameter of a chat completion request (its parsed JSON body) that this server
 * cannot honour, or none. Only the request's own properties are read; what is malformed
 * otherwise is left to the request's decoder.
 *
 * @example
 * ```ts
 * unsupportedParameter({ messages, tools: [] }); // none
 * unsupportedParameter({ messages, temperature: 0.1, top_p: 1 }); // none
 * unsupportedParameter({ messages, tools: [{ type: 'function', function: { name: 'f' } }] });
 * // some({ param: 'tools', code: 'unsupported_parameter', message: 'tools: this server calls no tools …' })
 * unsupportedParameter({ messages, response_format: { type: 'json_object' } }); // some({ param: 'response_format', … })
 * ```
 */
export const unsupportedParameter = (body: unknown): O.Option<UnsupportedParameter> => {
  for (const check of checks) {
    const found = check(body);
    if (O.isSome(found)) return found;
  }
  return O.none;
};
