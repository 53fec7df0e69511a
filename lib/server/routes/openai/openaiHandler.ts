/**
 * The OpenAI-compatible endpoint: `POST /v1/chat/completions`, `GET /v1/models` and
 * `GET /v1/models/{id}`, for `node:http` and as Web `Request` → `Response`, through the server's
 * pipeline (the relay's guards, body limits, stream leases and safe errors). A request is first
 * checked for what cannot be honoured (a 400 naming it), then its model resolved through the
 * aliases (an unknown one is a 404 `model_not_found`); answers carry the usage, estimated, and
 * are cut at the first `stop` sequence and at `max_tokens` tokens (which aborts the request to
 * the service).
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
import { of } from '#rx';
import { mintUserId } from '../../../core/conversation.js';
import { createPipeline, type Route, type ServerOptions } from '../../pipeline/pipeline.js';
import { badRequest, notFound, type Refusal } from '../../pipeline/refusal.js';
import { invalidRequest } from '../../../core/error.js';
import * as O from '#fp-ts/Option.js';
import type { YqcloudError } from '../../../index.js';
import { jsonHeaders, type ReplyPart } from '../../pipeline/reply.js';
import type { FetchInfo } from '../../pipeline/request.js';
import { routedHandler } from '../../pipeline/routePath.js';
import { decodeChatCompletionRequest, toChatRequest, type ChatCompletionRequest } from './chatCompletionRequest.js';
import { modelList, modelObject } from './completion.js';
import { completionReply } from './completionReply.js';
import { modelCatalogue, modelIds, modelNotFound, resolveModel, type ModelCatalogue } from './modelAliases.js';
import { openaiErrorOf, refusalOf, type OpenAIErrorResponse } from './openaiError.js';
import { unsupportedParameter } from './unsupportedParameters.js';
import type { ReplyLimit } from './replyLimit.js';
import { loadTokenCounter, promptTokens, type TokenCounter } from './usage.js';

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
  /**
   * Other names a request may give a model of the provider (`{ 'gpt-4o': 'gpt-4' }`), so a
   * client whose default model is another one works unchanged; none by default. Answers name the
   * model that replied.
   */
  readonly modelAliases?: Readonly<Record<string, string>> | undefined;
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

const asAnswer = (answer: OpenAIErrorResponse, headers: Readonly<Record<string, string>>): ReplyPart => ({
  type: 'head',
  status: answer.status,
  headers: { ...headers, ...answer.headers, ...jsonHeaders },
  body: JSON.stringify(answer.body),
});

const render = (refusal: Refusal, headers: Readonly<Record<string, string>>): ReplyPart =>
  refusal.code !== undefined
    ? asAnswer(
        refusalOf(refusal.status, refusal.message, refusal.headers, {
          code: refusal.code,
          param: refusal.error.kind === 'InvalidRequest' ? refusal.error.path : undefined,
        }),
        headers,
      )
    : refusal.status === 400 && refusal.error.kind === 'InvalidRequest'
      ? asAnswer(openaiErrorOf(refusal.error), headers)
      : asAnswer(refusalOf(refusal.status, refusal.message, refusal.headers), headers);

/** What the completions route decoded: the request, its model resolved, how usage is counted, where the reply is cut. */
interface Completion {
  readonly asked: ChatCompletionRequest;
  readonly model: string;
  readonly usage: { readonly counter: TokenCounter; readonly promptTokens: number } | undefined;
  readonly limit: ReplyLimit;
}

/** The counter, or none when the tokenizer cannot be loaded (the answer then has no usage). */
const counterOrNone = (): Promise<TokenCounter | undefined> => loadTokenCounter().catch(() => undefined);

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
  const catalogue: ModelCatalogue = E.getOrElseW((e: unknown) => {
    throw e;
  })(modelCatalogue({ defaultModel, models: options.provider.models ?? [defaultModel] }, options.modelAliases));

  const decodeCompletion = async (
    body: unknown,
    clientError: (e: unknown) => YqcloudError,
  ): Promise<E.Either<Refusal, Completion>> => {
    const unsupported = unsupportedParameter(body);
    if (O.isSome(unsupported)) {
      const { param, code, message } = unsupported.value;
      return E.left({ ...badRequest(invalidRequest(param, message)), code });
    }
    const decoded = decodeChatCompletionRequest(body);
    if (E.isLeft(decoded)) return E.left(badRequest(clientError(decoded.left)));
    const asked = decoded.right;
    const model = resolveModel(catalogue, asked.model);
    if (E.isLeft(model)) {
      const answer = modelNotFound(catalogue, model.left);
      return E.left({
        ...notFound(answer.body.error.message),
        error: invalidRequest('model', answer.body.error.message),
        code: answer.body.error.code,
      });
    }
    // max_tokens cannot be honoured without the tokenizer: then the request fails (503).
    const counter =
      asked.maxTokens !== undefined
        ? await loadTokenCounter()
        : !asked.stream || asked.includeUsage
          ? await counterOrNone()
          : undefined;
    const countsUsage = !asked.stream || asked.includeUsage;
    return E.right({
      asked,
      model: model.right,
      usage:
        counter === undefined || !countsUsage
          ? undefined
          : { counter, promptTokens: promptTokens(counter, asked.messages) },
      limit: { stop: asked.stop, maxTokens: asked.maxTokens, counter },
    });
  };

  const completions: Route<Completion> = {
    span: { name: 'openai.chat_completions', route: `${base}/chat/completions` },
    methods: ['POST'],
    opensStream: true,
    render,
    decode: (body, context) => decodeCompletion(body, context.clientError),
    reply: ({ asked, model, usage, limit }, context, headers) =>
      completionReply(context.chunks(toChatRequest({ ...asked, model }, mintUserId(), model)), {
        stream: asked.stream,
        meta: { id: `chatcmpl-${randomUUID().replaceAll('-', '')}`, created: Math.floor(Date.now() / 1000), model },
        headers,
        maxReplyBytes,
        clientError: context.clientError,
        usage,
        limit,
      }),
  };

  const json = (headers: Readonly<Record<string, string>>, body: unknown): ReplyPart => ({
    type: 'head',
    status: 200,
    headers: { ...headers, ...jsonHeaders },
    body: JSON.stringify(body),
  });

  const modelsRoute: Route<null> = {
    span: { name: 'openai.models', route: `${base}/models` },
    methods: ['GET'],
    opensStream: false,
    render,
    decode: async () => E.right(null),
    reply: (_asked, _context, headers) => of(json(headers, modelList(modelIds(catalogue)))),
  };

  /** `GET /v1/models/{id}`: a model or an alias; anything else is OpenAI's 404 `model_not_found`. */
  const modelRoute = (id: string): Route<string> => ({
    span: { name: 'openai.model', route: `${base}/models/{id}` },
    methods: ['GET'],
    opensStream: false,
    render,
    decode: async () => {
      if (modelIds(catalogue).includes(id)) return E.right(id);
      const answer = modelNotFound(catalogue, id);
      return E.left({
        ...notFound(answer.body.error.message),
        error: invalidRequest('model', answer.body.error.message),
        code: answer.body.error.code,
      });
    },
    reply: (found, _context, headers) => of(json(headers, modelObject(found))),
  });

  const modelPrefix = `${base}/models/`;
  const modelIdOf = (path: string): string | undefined => {
    if (!path.startsWith(modelPrefix) || path.length === modelPrefix.length) return undefined;
    try {
      return decodeURIComponent(path.slice(modelPrefix.length));
    } catch {
      return undefined;
    }
  };
  const knownRoute = (path: string): Route<Completion> | Route<null> | Route<string> | undefined => {
    if (path === `${base}/chat/completions`) return completions;
    if (path === `${base}/models`) return modelsRoute;
    const id = modelIdOf(path);
    return id === undefined ? undefined : modelRoute(id);
  };
  return routedHandler(pipeline, knownRoute as (path: string) => Route<unknown> | undefined, {
    spanName: 'openai.unknown',
    render,
    serves: `this endpoint serves POST ${base}/chat/completions and GET ${base}/models`,
  });
};
