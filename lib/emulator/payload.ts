/**
 * The request body the service expects, and its validation as the service does it: the six keys
 * of the protocol with their types, and nothing else.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';

/**
 * The body the service expects.
 *
 * @example
 * ```ts
 * const body: EmulatorPayload = { prompt: 'Hi', userId: '#/chat/1', network: true, system: '', withoutContext: false, stream: true };
 * ```
 */
export interface EmulatorPayload {
  readonly prompt: string;
  readonly userId: string;
  readonly network: boolean;
  readonly system: string;
  readonly withoutContext: boolean;
  readonly stream: boolean;
}

const payloadKeys: ReadonlyArray<readonly [keyof EmulatorPayload, 'string' | 'boolean']> = [
  ['prompt', 'string'],
  ['userId', 'string'],
  ['network', 'boolean'],
  ['system', 'string'],
  ['withoutContext', 'boolean'],
  ['stream', 'boolean'],
];

/**
 * Checks a parsed body (own properties only): the body itself when it is the protocol's, else
 * a sentence saying what is wrong with it.
 *
 * @example
 * ```ts
 * validatePayload({ prompt: 'Hi' }); // left('missing key "userId"')
 * ```
 */
export const validatePayload = (u: unknown): E.Either<string, EmulatorPayload> => {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return E.left('the body must be a JSON object');
  const body = u as Record<string, unknown>;
  for (const [key, type] of payloadKeys) {
    if (!Object.hasOwn(body, key)) return E.left(`missing key "${key}"`);
    if (typeof body[key] !== type) return E.left(`"${key}" must be a ${type}`);
  }
  const extra = Object.keys(body).find((key) => !payloadKeys.some(([known]) => known === key));
  return extra === undefined ? E.right(body as unknown as EmulatorPayload) : E.left(`unknown key "${extra}"`);
};

/**
 * Reads a request body: JSON, then {@link validatePayload}.
 *
 * @example
 * ```ts
 * parsePayload(Buffer.from('{')); // left('the body is not valid JSON')
 * ```
 */
export const parsePayload = (bytes: Uint8Array): E.Either<string, EmulatorPayload> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return E.left('the body is not valid JSON');
  }
  return validatePayload(parsed);
};
