/**
 * The relay: a provider's chunks streamed to a client (a browser, another server) as
 * Server-Sent Events, through the server's pipeline, for `node:http` and for Web
 * `Request` → `Response`.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createPipeline, type ServerOptions } from '../../pipeline/pipeline.js';
import type { FetchInfo } from '../../pipeline/request.js';
import { relayRoute } from './relayRoute.js';
import { resumeRoute, stopRoute } from './replyRoutes.js';

/**
 * How a relay is guarded and streams: the server's options (`provider` and `authorize`
 * required; `bearerToken(token)` at least, `() => true` to open it on purpose behind
 * authentication of your own).
 *
 * @example
 * ```ts
 * const options: RelayOptions = {
 *   provider: new YqcloudProvider(),
 *   authorize: bearerToken(process.env['RELAY_TOKEN'] ?? ''),
 *   cors: { origins: ['https://app.example.com'] },
 * };
 * ```
 */
export type RelayOptions = ServerOptions;

/**
 * A relay: call it as a `node:http` handler (`http.createServer(relay)`, `app.post('/relay',
 * relay)` in Express, before any body parser), or use `relay.fetch` as a Web handler
 * (`export const POST = relay.fetch` in Next.js, `(c) => relay.fetch(c.req.raw)` in Hono,
 * Bun, Deno). Neither ever rejects.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 *
 * const relay: RelayHandler = createRelayHandler({ provider, authorize: bearerToken('s3cret') });
 * createServer(relay).listen(8787); // node:http, or app.post('/relay', relay) in Express
 * export const POST = relay.fetch; // a Web handler (Next.js route, Hono, Bun, Deno)
 * ```
 */
export interface RelayHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** The same relay as a Web handler: a refusal or an event-stream `Response`. */
  readonly fetch: (request: Request, info?: FetchInfo) => Promise<Response>;
}

/**
 * Builds a relay. Per request: the guards (CORS, method, `authorize`, content type, declared
 * size), the body (bounded, timed), decoded (bad: 400, `InvalidRequest`), the conversation
 * checked (not this client's: 403) or a new one minted, a stream lease (429 past
 * `maxConcurrentStreams`), then the reply as `text` / `conversation` / `finish` / `error`
 * events with keep-alives. Refusals answer `{ "error": <YqcloudError> }` before anything is
 * sent to the service.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { YqcloudProvider } from 'yqcloud-rx';
 * import { bearerToken, createRelayHandler } from 'yqcloud-rx/server';
 *
 * const relay = createRelayHandler({
 *   provider: new YqcloudProvider(),
 *   authorize: bearerToken(process.env['RELAY_TOKEN'] ?? ''),
 *   cors: { origins: ['https://app.example.com'] },
 * });
 * createServer(relay).listen(8787);
 * ```
 */
export const createRelayHandler = (options: RelayOptions): RelayHandler => {
  const pipeline = createPipeline(options);
  const node = (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? '').toUpperCase();
    return method === 'GET'
      ? pipeline.node(resumeRoute, req, res)
      : method === 'DELETE'
        ? pipeline.node(stopRoute, req, res)
        : pipeline.node(relayRoute, req, res);
  };
  return Object.assign(node, {
    fetch: (request: Request, info?: FetchInfo): Promise<Response> => {
      const method = request.method.toUpperCase();
      return method === 'GET'
        ? pipeline.fetch(resumeRoute, request, info)
        : method === 'DELETE'
          ? pipeline.fetch(stopRoute, request, info)
          : pipeline.fetch(relayRoute, request, info);
    },
  });
};
