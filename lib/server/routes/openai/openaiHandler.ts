/**
 * The OpenAI-compatible endpoint: `POST /v1/chat/completions` and `GET /v1/models`, for
 * `node:http` and as Web `Request` → `Response`, through the server's pipeline (the relay's
 * guards, body limits, stream leases and safe errors).
 *
 * Every OpenAI client sends its API key as `authorization: Bearer <key>`, so `bearerToken(key)`
 * is the usual `authorize`. The whole thread travels in `messages`, as with OpenAI; each request
 * runs in a service conversation of its own, minted from a CSPRNG, so no two requests share the
 * service's context.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as E from '#fp-ts/Either.js';
import { of } from 'rxjs';
import { mintUserId } from '../../../core/conversation.js';
import { createPipeline, type Route, type ServerOptions } from '../../pipeline/pipeline.js';
import { badRequest, notFound, type Refusal } from '../../pipeline/refusal.js';
import { jsonHeaders, type ReplyPart } from '../../pipeline/reply.js';
import type { FetchInfo } from '../../pipeline/request.js';
import { decodeChatCompletionRequest, toChatRequest, type ChatCompletionRequest } from './chatCompletionRequest.js';
import { modelList } from './completion.js';
import { completionReply } from './completionReply.js';
import { openaiErrorOf, refusalOf, type OpenAIErrorResponse } from './openaiError.js';

/**
 * How the endpoint answers: the server's options, and where its routes live.
 *
 * @example
 * ```ts
 * const options: OpenAIHandlerOptions = { provider, authorize: bearerToken('sk-local'), cors: { origins: ['https://app.example.com'] } };
 * ```
 */
export interface OpenAIHandlerOptions extends ServerOptions {
  /** Where the routes live (default `/v1`). */
  readonly basePath?: string | undefined;
  /** The most UTF-8 bytes of text a whole `chat.completion` (`stream: false`) holds (default 16 MiB); past it, 502 `ResponseTooLarge`. */
  readonly maxReplyBytes?: number | undefined;
}

/**
 * The endpoint, for `node:http` and for Web handlers.
 *
 * @example
 * ```ts
 * import * as http from 'node:http';
 * const openai = createOpenAIHandler({ provider, authorize: bearerToken('sk-local') });
 * http.createServer(openai).listen(8787);
 * ```
 */
export interface OpenAIHandler {
  /** Answers a `node:http` request (a path outside the routes is a 404); never rejects. */
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Answers a Web `Request`; never rejects, and settles when the request is aborted. */
  readonly fetch: (request: Request, info?: FetchInfo) => Promise<Response>;
  /** Whether a path (`/v1/models?x`) is one of the routes. */
  readonly handles: (path: string) => boolean;
}

/**
 * The request headers a page's OpenAI client sends besides `authorization` and `content-type`
 * (the official client's `x-stainless-*` telemetry, `openai-organization`, `openai-project`):
 * allowed in preflights unless `cors.allowHeaders` says otherwise.
 *
 * @example
 * ```ts
 * import { openaiAllowHeaders } from 'yqcloud-rx/server';
 * createOpenAIHandler({
 *   provider,
 *   authorize: bearerToken('sk-local'),
 *   cors: { origins: ['https://app.example.com'], allowHeaders: [...openaiAllowHeaders, 'x-trace'] },
 * });
 * ```
 */
export const openaiAllowHeaders: ReadonlyArray<string> = [
  'authorization',
  'content-type',
  'accept',
  'openai-organization',
  'openai-project',
  'x-stainless-arch',
  'x-stainless-lang',
  'x-stainless-os',
  'x-stainless-package-version',
  'x-stainless-retry-count',
  'x-stainless-runtime',
  'x-stainless-runtime-version',
  'x-stainless-timeout',
];

/**
 * The response headers a page's OpenAI client reads to retry: exposed unless
 * `cors.exposeHeaders` says otherwise.
 *
 * @example
 * ```ts
 * openaiExposeHeaders.includes('x-should-retry'); // true
 * ```
 */
export const openaiExposeHeaders: ReadonlyArray<string> = [
  'retry-after',
  'retry-after-ms',
  'x-should-retry',
  'www-authenticate',
];

const pathOf = (url: string): string => {
  const path = url.startsWith('/') ? url : URL.canParse(url) ? new URL(url).pathname : url;
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
};

const asAnswer = (answer: OpenAIErrorResponse, headers: Readonly<Record<string, string>>): ReplyPart => ({
  type: 'head',
  status: answer.status,
  headers: { ...headers, ...answer.headers, ...jsonHeaders },
  body: JSON.stringify(answer.body),
});

const render = (refusal: Refusal, headers: Readonly<Record<string, string>>): ReplyPart =>
  refusal.status === 400 && refusal.error.kind === 'InvalidRequest'
    ? asAnswer(openaiErrorOf(refusal.error), headers)
    : asAnswer(refusalOf(refusal.status, refusal.message, refusal.headers), headers);

const anyMethod: ReadonlyArray<string> = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Builds the endpoint.
 *
 * @example
 * ```ts
 * const openai = createOpenAIHandler({ provider: new YqcloudProvider(), authorize: bearerToken(process.env['API_KEY'] ?? '') });
 * export const POST = (request: Request): Promise<Response> => openai.fetch(request);
 * ```
 */
export const createOpenAIHandler = (options: OpenAIHandlerOptions): OpenAIHandler => {
  const pipeline = createPipeline({
    ...options,
    cors:
      options.cors === undefined
        ? undefined
        : { allowHeaders: openaiAllowHeaders, exposeHeaders: openaiExposeHeaders, ...options.cors },
  });
  const base = (options.basePath ?? '/v1').replace(/\/+$/, '');
  const maxReplyBytes = options.maxReplyBytes ?? 16 * 1024 * 1024;
  const defaultModel = options.provider.defaultModel ?? 'gpt-4';
  const models = options.provider.models ?? [defaultModel];

  const completions: Route<ChatCompletionRequest> = {
    span: { name: 'openai.chat_completions', route: `${base}/chat/completions` },
    methods: ['POST'],
    opensStream: true,
    render,
    decode: async (body, context) =>
      E.mapLeft((error) => badRequest(context.clientError(error)))(decodeChatCompletionRequest(body)),
    reply: (asked, context, headers) => {
      const model = asked.model === '' ? defaultModel : asked.model;
      return completionReply(context.chunks(toChatRequest(asked, mintUserId(), model)), {
        stream: asked.stream,
        meta: { id: `chatcmpl-${randomUUID().replaceAll('-', '')}`, created: Math.floor(Date.now() / 1000), model },
        headers,
        maxReplyBytes,
        clientError: context.clientError,
      });
    },
  };

  const modelsRoute: Route<null> = {
    span: { name: 'openai.models', route: `${base}/models` },
    methods: ['GET'],
    opensStream: false,
    render,
    decode: async () => E.right(null),
    reply: (_asked, _context, headers) =>
      of<ReplyPart>({
        type: 'head',
        status: 200,
        headers: { ...headers, ...jsonHeaders },
        body: JSON.stringify(modelList(models)),
      }),
  };

  const unknownPath = (path: string): Route<never> => ({
    span: { name: 'openai.unknown' },
    methods: anyMethod,
    opensStream: false,
    render,
    decode: async () =>
      E.left(
        notFound(
          `no route for ${path.slice(0, 200)}; this endpoint serves POST ${base}/chat/completions and GET ${base}/models`,
        ),
      ),
    reply: () => of(),
  });

  const knownRoute = (path: string): Route<ChatCompletionRequest> | Route<null> | undefined =>
    path === `${base}/chat/completions` ? completions : path === `${base}/models` ? modelsRoute : undefined;
  const routeOf = (url: string): Route<unknown> => {
    const path = pathOf(url);
    return (knownRoute(path) ?? unknownPath(path)) as Route<unknown>;
  };

  const node = (req: IncomingMessage, res: ServerResponse): Promise<void> =>
    pipeline.node(routeOf(req.url ?? ''), req, res);
  return Object.assign(node, {
    fetch: (request: Request, info?: FetchInfo): Promise<Response> =>
      pipeline.fetch(routeOf(request.url), request, info),
    handles: (path: string) => knownRoute(pathOf(path)) !== undefined,
  });
};
