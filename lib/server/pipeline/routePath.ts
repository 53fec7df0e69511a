/**
 * Which route a request is for: its path without query or fragment, the methods a route
 * answering "no such route" accepts, and a handler dispatching to a set of routes.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pipeline, Route } from './pipeline.js';
import type { FetchInfo } from './request.js';

/**
 * The path of a request's URL (`/v1/models?x` or `http://host/v1/models#y` → `/v1/models`).
 */
export const pathOf = (url: string): string => {
  const path = url.startsWith('/') ? url : URL.canParse(url) ? new URL(url).pathname : url;
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
};

/**
 * Every method a route for unknown paths accepts, so that any request gets its 404.
 */
export const anyMethod: ReadonlyArray<string> = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * A handler serving a set of routes through one pipeline: for `node:http`, for Web `Request`s,
 * and whether a path is one of its routes.
 */
export interface RoutedHandler {
  /** Answers a `node:http` request (a path outside the routes is a 404); never rejects. */
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Answers a Web `Request`; never rejects, and settles when the request is aborted. */
  readonly fetch: (request: Request, info?: FetchInfo) => Promise<Response>;
  /** Whether a path (query and fragment ignored) is one of the routes. */
  readonly handles: (path: string) => boolean;
}

/**
 * The handler of `known` routes (a path, and the request's method when there is a request → its
 * route, or none) through `pipeline`; any other path goes to `unknown(path)`, the route that
 * answers 404.
 *
 * @example
 * ```ts
 * const pipeline = createPipeline({ provider, authorize: bearerToken('s3cret') });
 * const route = relayRoute as Route<unknown>;
 * const handler = routedHandler(pipeline, (path) => (path === '/relay' ? route : undefined), () => route);
 * handler.handles('/relay?x=1'); // true
 * ```
 */
export const routedHandler = (
  pipeline: Pipeline,
  known: (path: string, method?: string) => Route<unknown> | undefined,
  unknown: (path: string) => Route<unknown>,
): RoutedHandler => {
  const routeOf = (url: string, method: string): Route<unknown> => {
    const path = pathOf(url);
    return known(path, method.toUpperCase()) ?? unknown(path);
  };
  const node = (req: IncomingMessage, res: ServerResponse): Promise<void> =>
    pipeline.node(routeOf(req.url ?? '', req.method ?? ''), req, res);
  return Object.assign(node, {
    fetch: (request: Request, info?: FetchInfo): Promise<Response> =>
      pipeline.fetch(routeOf(request.url, request.method), request, info),
    handles: (path: string) => known(pathOf(path)) !== undefined,
  });
};
