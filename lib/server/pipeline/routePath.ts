/**
 * Which route a request is for: its path without query or fragment, the methods a route
 * answering "no such route" accepts, and a handler dispatching to a set of routes.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as E from '#fp-ts/Either.js';
import { of } from '#rx';
import type { Pipeline, Route } from './pipeline.js';
import { notFound } from './refusal.js';
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
const anyMethod: ReadonlyArray<string> = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * How a handler answers a path outside its routes: a 404 in the protocol of `render`, naming
 * what it `serves`, its span named `spanName`.
 */
export interface UnknownPaths {
  readonly spanName: string;
  readonly render: Route<unknown>['render'];
  readonly serves: string;
}

const unknownPathRoute =
  ({ spanName, render, serves }: UnknownPaths) =>
  (path: string): Route<unknown> => ({
    span: { name: spanName },
    methods: anyMethod,
    opensStream: false,
    render,
    decode: async () => E.left(notFound(`no route for ${path.slice(0, 200)}; ${serves}`)),
    reply: () => of(),
  });

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
 * route, or none) through `pipeline`; any other path is answered 404 as `unknownPaths` says.
 *
 * @example
 * ```ts
 * const pipeline = createPipeline({ provider, authorize: bearerToken('s3cret') });
 * const route = relayRoute as Route<unknown>;
 * const handler = routedHandler(pipeline, (path) => (path === '/relay' ? route : undefined), {
 *   spanName: 'relay.unknown',
 *   render: route.render,
 *   serves: 'this route serves POST /relay',
 * });
 * handler.handles('/relay?x=1'); // true
 * ```
 */
export const routedHandler = (
  pipeline: Pipeline,
  known: (path: string, method?: string) => Route<unknown> | undefined,
  unknownPaths: UnknownPaths,
): RoutedHandler => {
  const unknown = unknownPathRoute(unknownPaths);
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
