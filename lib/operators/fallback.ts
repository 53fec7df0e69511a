import * as E from '#fp-ts/Either.js';
import type { Observable, OperatorFunction } from 'rxjs';
import { catchError, defer, isObservable, tap, throwError } from '#rx';
import type { Chunk } from '../core/chunk.js';
import { invalidRequest, YqcloudError } from '../core/error.js';
import { withMessage } from '../core/errorCopy.js';
import { functionOption, readOptions, type Check, type OptionReader } from '../core/optionCheck.js';
import { withOptions } from './options.js';

/**
 * Another way to get the same reply: a cold observable (another provider's `create(request)`,
 * the same request through a proxy or a relay), optionally with a name for the final error.
 * Names end up in error messages: never put a secret (a token, a proxy's credentials) in one.
 *
 * @example
 * ```ts
 * const route: FallbackRoute = { name: 'proxy', reply: provider.create({ messages, proxy: 'http://127.0.0.1:3128' }) };
 * ```
 */
export type FallbackRoute = Observable<Chunk> | { readonly name: string; readonly reply: Observable<Chunk> };

/**
 * When `fallback` moves on.
 *
 * @example
 * ```ts
 * const options: FallbackOptions = { when: (e) => e.kind === 'Blocked', primary: 'direct' };
 * ```
 */
export interface FallbackOptions {
  /** Whether a failure (before any chunk) is worth the next route (default {@link isRouteFailure}). */
  readonly when?: ((error: YqcloudError) => boolean) | undefined;
  /** The name of the source route in the final error (default `primary`). */
  readonly primary?: string | undefined;
}

/**
 * Whether a failure says that this route is down or refused, so another route may answer:
 * `Blocked` (a ban, abnormal traffic, a gateway page), `Network`, `Http` 429 and 5xx.
 *
 * @example
 * ```ts
 * isRouteFailure(blocked('ip-banned', 'sorry, …')); // true
 * isRouteFailure(invalidRequest('messages', 'empty')); // false: every route would refuse it
 * ```
 */
export const isRouteFailure = (e: YqcloudError): boolean =>
  e.kind === 'Blocked' ||
  e.kind === 'Network' ||
  (e.kind === 'Http' && e.status !== undefined && (e.status === 429 || e.status >= 500));

const describe = (e: YqcloudError): string => {
  const detail = e.reason ?? e.status ?? e.code ?? e.phase;
  return detail === undefined ? e.kind : `${e.kind} ${detail}`;
};

const name: OptionReader<string | undefined> = (path, u) =>
  u === undefined || (typeof u === 'string' && u !== '')
    ? E.right(u)
    : E.left(invalidRequest(path, 'expected a non-empty name'));

type Named = { readonly name: string; readonly reply: Observable<Chunk> };

const readRoute = (u: unknown, index: number): Check<Named> => {
  const path = `fallback.alternatives.${index}`;
  if (isObservable(u)) return E.right({ name: `alternative ${index + 1}`, reply: u as Observable<Chunk> });
  if (typeof u !== 'object' || u === null)
    return E.left(invalidRequest(path, 'expected an observable or { name, reply }'));
  const read = readOptions(path, u, {
    name,
    reply: (p, r): Check<Observable<Chunk> | undefined> =>
      isObservable(r) ? E.right(r as Observable<Chunk>) : E.left(invalidRequest(p, 'expected an observable')),
  });
  return E.isLeft(read)
    ? read
    : E.right({ name: read.right.name ?? `alternative ${index + 1}`, reply: read.right.reply as Observable<Chunk> });
};

const isRoute = (u: unknown): boolean =>
  isObservable(u) || (typeof u === 'object' && u !== null && Object.hasOwn(u, 'reply'));

/**
 * When the reply fails before its first chunk with a route failure (by default `Blocked`,
 * `Network`, `Http` 429/5xx; choose with `when`), subscribes to the next alternative, in order.
 * Never once a chunk was delivered: a second route would repeat the start of the reply, so that
 * error passes on with its honest `partialText`. When more than one route was tried, the final
 * error is the last one's (kind and fields kept) with the routes appended to its message:
 * `… [routes tried: primary (Blocked ip-banned), relay (Http 503)]`.
 *
 * ```
 * fallback(backup)
 * source: --#                 # = Blocked (ip-banned), before any text
 * backup:   --a-b-F|
 * result: ----a-b-F|
 *
 * source: --a-#               # after text: no fallback, backup never subscribed
 * result: --a-#
 * ```
 *
 * @example
 * ```ts
 * const mirror = new YqcloudProvider({ apiEndpoint: 'http://127.0.0.1:8080/api/generateStream' });
 * provider.create(request).pipe(
 *   fallback(
 *     { name: 'proxy', reply: provider.create({ ...request, proxy: 'socks5://127.0.0.1:1080' }) },
 *     { name: 'mirror', reply: mirror.create(request) },
 *   ),
 * );
 * ```
 */
export function fallback(...alternatives: ReadonlyArray<FallbackRoute>): OperatorFunction<Chunk, Chunk>;
/**
 * `fallback` with options first: which failures move on, and the source route's name.
 *
 * @example
 * ```ts
 * const viaProxy$ = provider.create({ messages, proxy: 'http://127.0.0.1:3128' });
 * provider.create({ messages }).pipe(fallback({ when: (e) => e.kind === 'Blocked', primary: 'direct' }, viaProxy$));
 * ```
 */
export function fallback(
  options: FallbackOptions,
  ...alternatives: ReadonlyArray<FallbackRoute>
): OperatorFunction<Chunk, Chunk>;
/**
 * Both forms: options first when the first argument is not a route.
 *
 * @example
 * ```ts
 * import { answers, createScriptedProvider } from 'yqcloud-rx/testing';
 * const banned = createScriptedProvider([answers.ban()]);
 * const backup = createScriptedProvider([answers.reply(of('Hello'))]);
 * banned.create({ messages }).pipe(fallback(backup.create({ messages })), textOnly()).subscribe(console.log); // 'Hello'
 * ```
 */
export function fallback(...args: ReadonlyArray<unknown>): OperatorFunction<Chunk, Chunk> {
  const hasOptions = args.length > 0 && !isRoute(args[0]);
  const options = readOptions('fallback', hasOptions ? args[0] : undefined, {
    when: functionOption<(error: YqcloudError) => boolean>('a predicate over YqcloudError'),
    primary: name,
  });
  const routes = E.traverseArrayWithIndex((index: number, u: unknown) => readRoute(u, index))(
    hasOptions ? args.slice(1) : args,
  );
  const checked = E.isLeft(options)
    ? options
    : E.isLeft(routes)
      ? routes
      : E.right({ ...options.right, routes: routes.right });
  return withOptions(
    checked,
    ({ when = isRouteFailure, primary = 'primary', routes }) =>
      (source) =>
        defer(() => {
          const tried: Array<string> = [];
          const attempt = (route: Named, next: number): Observable<Chunk> => {
            let delivered = false;
            return route.reply.pipe(
              tap(() => {
                delivered = true;
              }),
              catchError((e: unknown) => {
                if (!(e instanceof YqcloudError)) return throwError(() => e);
                tried.push(`${route.name} (${describe(e)})`);
                const alternative = routes[next];
                if (!delivered && alternative !== undefined && when(e)) return attempt(alternative, next + 1);
                return throwError(() =>
                  tried.length > 1 ? withMessage(`${e.message} [routes tried: ${tried.join(', ')}]`)(e) : e,
                );
              }),
            );
          };
          return attempt({ name: primary, reply: source }, 0);
        }),
  );
}
