/**
 * The checks in front of every route, in order, the first that fails answering: CORS origin
 * (403; a preflight answered), method (405), `authorize` (401; its verified identity kept),
 * content type (415) and declared body size (413). None of them reads the body.
 *
 * @module
 */
import { identityOf, type Authorize } from './authorize.js';
import { checkOrigin, preflightHeaders, type CorsOptions } from './cors.js';
import {
  forbiddenOrigin,
  methodNotAllowed,
  payloadTooLarge,
  unauthorized,
  unsupportedMediaType,
  type Refusal,
} from './refusal.js';
import type { GuardRequest } from './request.js';

/**
 * What the checks say of a request: answer the preflight, refuse, or let it through as the
 * verified `identity`. `headers` (CORS's) go on whatever is answered.
 */
export type Admission =
  | { readonly type: 'preflight'; readonly headers: Readonly<Record<string, string>> }
  | { readonly type: 'refused'; readonly refusal: Refusal; readonly headers: Readonly<Record<string, string>> }
  | { readonly type: 'admitted'; readonly identity: string; readonly headers: Readonly<Record<string, string>> };

/**
 * What the checks need.
 */
export interface GuardOptions {
  readonly authorize: Authorize;
  readonly cors?: CorsOptions | undefined;
  readonly maxBodyBytes: number;
}

const isJson = (contentType: string | null): boolean =>
  contentType !== null && /^application\/json[ \t]*(?:;|$)/i.test(contentType.trim());

const hasBody = (method: string): boolean => method !== 'GET' && method !== 'HEAD';

const verdictOf = async (authorize: Authorize, request: GuardRequest): Promise<string | undefined> => {
  try {
    return identityOf(await authorize(request), request);
  } catch {
    return undefined;
  }
};

/**
 * Runs the checks on a request for a route serving `methods`; the content type and declared
 * size are checked only for a route that `readsBody`.
 */
export const admit = async (
  options: GuardOptions,
  request: GuardRequest,
  methods: ReadonlyArray<string>,
  readsBody = true,
): Promise<Admission> => {
  const cors = checkOrigin(options.cors, request);
  const refuse = (refusal: Refusal): Admission => ({ type: 'refused', refusal, headers: cors.headers });
  if (cors.type === 'refused') return refuse(forbiddenOrigin());
  if (request.method === 'OPTIONS')
    return cors.type === 'allowed'
      ? { type: 'preflight', headers: { ...cors.headers, ...preflightHeaders(options.cors, methods) } }
      : refuse(methodNotAllowed([...methods, 'OPTIONS']));
  if (!methods.includes(request.method)) return refuse(methodNotAllowed([...methods, 'OPTIONS']));
  const identity = await verdictOf(options.authorize, request);
  if (identity === undefined) return refuse(unauthorized());
  if (readsBody && hasBody(request.method)) {
    if (!isJson(request.headers.get('content-type'))) return refuse(unsupportedMediaType());
    const length = request.headers.get('content-length');
    if (length !== null && /^\d+$/.test(length) && Number(length) > options.maxBodyBytes)
      return refuse(payloadTooLarge(options.maxBodyBytes));
  }
  return { type: 'admitted', identity, headers: cors.headers };
};
