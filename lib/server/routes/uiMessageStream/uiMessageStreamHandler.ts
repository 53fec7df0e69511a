/**
 * The AI SDK's chat protocol, served from the server's pipeline: an app written with `useChat`
 * (React) or `Chat` (Vue, Svelte, Angular) and `DefaultChatTransport` runs on the Yqcloud
 * service with its `api` URL pointed here. `POST <path>` takes the transport's body and answers
 * the UI message stream; `GET <path>/<chatId>/stream`, the transport's reconnect, answers 204
 * ("no reply to resume").
 *
 * The whole thread travels in `messages`, as the transport sends it; each request runs in a
 * service conversation of its own, minted from a CSPRNG. Refusals (401, 403, 413, 429, a bad
 * body) are plain text, which the transport raises as the `Error`'s message.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as E from '#fp-ts/Either.js';
import { of } from '#rx';
import { mintUserId } from '../../../core/conversation.js';
import { invalidRequest } from '../../../core/error.js';
import { createPipeline, type Route, type ServerOptions } from '../../pipeline/pipeline.js';
import { badRequest, notFound, type Refusal } from '../../pipeline/refusal.js';
import type { ReplyPart } from '../../pipeline/reply.js';
import type { FetchInfo } from '../../pipeline/request.js';
import { anyMethod, routedHandler } from '../../pipeline/routePath.js';
import { modelCatalogue, resolveModel } from '../openai/modelAliases.js';
import { decodeUIChatRequest, uiChatToChatRequest, type UIChatRequest } from './uiChatRequest.js';
import { uiMessageReply } from './uiMessageReply.js';

/**
 * The server's options, and where the route lives.
 *
 * @example
 * ```ts
 * const options: UIMessageStreamHandlerOptions = { provider, authorize: bearerToken('s3cret'), path: '/api/chat' };
 * ```
 */
export interface UIMessageStreamHandlerOptions extends ServerOptions {
  /** The transport's `api` (default `/api/chat`, the AI SDK's default). */
  readonly path?: string | undefined;
}

/**
 * The route, for `node:http` and for Web handlers.
 *
 * @example
 * ```ts
 * import * as http from 'node:http';
 * const chat = createUIMessageStreamHandler({ provider, authorize: bearerToken('s3cret') });
 * http.createServer(chat).listen(8787);
 * ```
 */
export interface UIMessageStreamHandler {
  /** Answers a `node:http` request (a path outside the route is a 404); never rejects. */
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Answers a Web `Request`; never rejects, and settles when the request is aborted. */
  readonly fetch: (request: Request, info?: FetchInfo) => Promise<Response>;
  /** Whether a path (`/api/chat`, `/api/chat/<id>/stream`) is the route's. */
  readonly handles: (path: string) => boolean;
}

const render = (refusal: Refusal, headers: Readonly<Record<string, string>>): ReplyPart => ({
  type: 'head',
  status: refusal.status,
  headers: { ...headers, ...refusal.headers, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  body: refusal.message,
});

/**
 * Builds the route.
 *
 * @example
 * ```ts
 * const chat = createUIMessageStreamHandler({ provider: new YqcloudProvider(), authorize: bearerToken(process.env['API_KEY'] ?? '') });
 * export const POST = (request: Request): Promise<Response> => chat.fetch(request);
 * ```
 */
export const createUIMessageStreamHandler = (options: UIMessageStreamHandlerOptions): UIMessageStreamHandler => {
  const pipeline = createPipeline(options);
  const base = (options.path ?? '/api/chat').replace(/\/+$/, '');
  const defaultModel = options.provider.defaultModel ?? 'gpt-4';
  const catalogue = E.getOrElseW((e) => {
    throw e;
  })(modelCatalogue({ defaultModel, models: options.provider.models ?? [defaultModel] }));

  const chat: Route<UIChatRequest & { readonly resolved: string }> = {
    span: { name: 'ui_message_stream', route: base },
    methods: ['POST'],
    opensStream: true,
    render,
    decode: async (body, context) =>
      E.chain((asked: UIChatRequest) =>
        E.bimap(
          (model: string) =>
            badRequest(
              context.clientError(invalidRequest('model', `unknown model ${JSON.stringify(model.slice(0, 100))}`)),
            ),
          (resolved: string) => ({ ...asked, resolved }),
        )(resolveModel(catalogue, asked.model)),
      )(E.mapLeft((error) => badRequest(context.clientError(error)))(decodeUIChatRequest(body))),
    reply: (asked, context, headers) =>
      uiMessageReply(context.chunks(uiChatToChatRequest(asked, mintUserId(), asked.resolved)), {
        messageId: `msg-${randomUUID()}`,
        headers,
        clientError: context.clientError,
      }),
  };

  const resume: Route<null> = {
    span: { name: 'ui_message_stream.resume', route: `${base}/{chatId}/stream` },
    methods: ['GET'],
    opensStream: false,
    render,
    decode: async () => E.right(null),
    reply: (_asked, _context, headers) => of<ReplyPart>({ type: 'head', status: 204, headers, body: '' }),
  };

  const unknownPath = (path: string): Route<never> => ({
    span: { name: 'ui_message_stream.unknown' },
    methods: anyMethod,
    opensStream: false,
    render,
    decode: async () =>
      E.left(
        notFound(`no route for ${path.slice(0, 200)}; this route serves POST ${base} and GET ${base}/<chatId>/stream`),
      ),
    reply: () => of(),
  });

  const resumePath = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^/]{1,256}/stream$`);
  const knownRoute = (path: string): Route<unknown> | undefined =>
    (path === base ? chat : resumePath.test(path) ? resume : undefined) as Route<unknown> | undefined;
  return routedHandler(pipeline, knownRoute, (path) => unknownPath(path) as unknown as Route<unknown>);
};
