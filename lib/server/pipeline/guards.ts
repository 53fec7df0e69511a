/**
 * The checks in front of every route, in order, the first that fails answering: CORS origin
 * (403; a preflight answered), method (405), `authorize` (401; its verified identity kept; 503
 * when it takes longer than its timeout),
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
  storeUnavailable,
  unauthorized,
  unsupportedMediaType,
  type Refusal,
} from './refusal.js';
import type { SchedulerLike, Subscription } from 'rxjs';
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
  /** How long `authorize` may take (default: no limit); then 503 with `retry-after`. */
  readonly authorizeTimeout?:
    | { readonly ms: number; readonly scheduler: SchedulerLike; readonly retryAfterS: number }
    | undefined;
}

const isJson = (contentType: string | null): boolean =>
  contentType !== null && /^application\/json[ \t]*(?:;|$)/i.test(contentType.trim());

const hasBody = (method: string): boolean => method !== 'GET' && method !== 'HEAD';

/** Said of a hook still deciding when its time is up. */
const undecided = Symbol('undecided');

const verdictOf = async (
  options: GuardOptions,
  request: GuardRequest,
): Promise<string | undefined | typeof undecided> => {
  const timeout = options.authorizeTimeout;
  let timer: Subscription | undefined;
  try {
    const verdict = Promise.resolve(options.authorize(request));
    const decided =
      timeout === undefined
        ? await verdict
        : await Promise.race([
            verdict,
            new Promise<typeof undecided>((resolve) => {
              timer = timeout.scheduler.schedule(() => resolve(undecided), timeout.ms);
            }),
          ]);
    return decided === undecided ? undecided : identityOf(decided, request);
  } catch {
    return undefined;
  } finally {
    timer?.unsubscribe();
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
  const identity = await verdictOf(options, request);
  if (identity === undecided) return refuse(storeUnavailable(options.authorizeTimeout?.retryAfterS ?? 2));
  if (identity === undefined) return refuse(unauthorized());
  if (readsBody && hasBody(request.method)) {
    if (!isJson(request.headers.get('content-type'))) return refuse(unsupportedMediaType());
    const length = request.headers.get('content-length');
    if (length !== null && /^\d+$/.test(length) && Number(length) > options.maxBodyBytes)
      return refuse(payloadTooLarge(options.maxBodyBytes));
  }
  return { type: 'admitted', identity, headers: cors.headers };
};
