/**
 * The OpenAI-compatible endpoint: `POST /v1/chat/completions` and `GET /v1/models`, for
 * `node:http` and as Web `Request` → `Response`, behind the same guards as the relay (bearer
 * token, CORS allow-list, body limit, concurrent streams per client).
 *
 * Every OpenAI client sends its API key as `authorization: Bearer <key>`, so `bearerToken(key)`
 * is the usual `authorize`. The endpoint keeps no state between requests: the whole thread
 * travels in `messages`, as with OpenAI.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { defer, identity, type Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import * as E from '#fp-ts/Either.js';
import type { ChatRequest, Chunk, YqcloudError } from '../../index.js';
import { defaultMaxBufferedBytes } from '../eventStreamHeaders.js';
import { fromNodeRequest, fromWebRequest, type GuardRequest } from '../guardRequest.js';
import { createGuards, type Admission, type GuardOptions } from '../guards.js';
import { readNodeJson, readWebJson, type BodyResult } from '../readBody.js';
import type { Refusal } from '../refusal.js';
import { decodeChatCompletionRequest, toChatRequest, type ChatCompletionRequest } from './chatCompletionRequest.js';
import { modelList, type CompletionMeta } from './completion.js';
import { jsonHeaders, runCompletion, type CompletionSink } from './completionRun.js';
import { openaiErrorOf, refusalOf, type OpenAIErrorResponse } from './openaiError.js';

/**
 * What the endpoint streams from: `YqcloudProvider`, a relay client provider, a test provider.
 *
 * @example
 * ```ts
 * const provider: OpenAIProvider = new YqcloudProvider();
 * ```
 */
export interface OpenAIProvider {
  /** Streams the reply to a request (`YqcloudProvider.create`). */
  readonly create: (request: ChatRequest) => Observable<Chunk>;
  /** The model named in answers when the request names none (default `gpt-4`). */
  readonly defaultModel?: string;
  /** What `GET /v1/models` lists (default: `defaultModel` alone). */
  readonly models?: ReadonlyArray<string>;
}

/**
 * How the endpoint answers; the guard options are the relay's.
 *
 * @example
 * ```ts
 * const options: OpenAIHandlerOptions = { provider, authorize: bearerToken('sk-local'), cors: { origins: ['https://app.example.com'] } };
 * ```
 */
export interface OpenAIHandlerOptions extends GuardOptions {
  readonly provider: OpenAIProvider;
  /** Applied to every reply, such as `withTimeouts(…)` (a missed deadline is a 504). */
  readonly pipe?: OperatorFunction<Chunk, Chunk> | undefined;
  /** Where the routes live (default `/v1`). */
  readonly basePath?: string | undefined;
  /** A `: keep-alive` comment after this much silence, once streaming (default 15 000 ms; 0: none). */
  readonly keepAliveMs?: number | undefined;
  /** The scheduler of the keep-alive timer (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike | undefined;
  /** Bytes a slow reader may leave unread before the reply is aborted (default 1 MiB). */
  readonly maxBufferedBytes?: number | undefined;
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
  /** Answers a Web `Request`; `remoteAddress` identifies the client when there is no token. Never rejects. */
  readonly fetch: (request: Request, info?: OpenAIFetchInfo) => Promise<Response>;
  /** Whether a path (`/v1/models?x`) is one of the routes. */
  readonly handles: (path: string) => boolean;
}

/**
 * Where a Web handler's request came from, when the server says.
 *
 * @example
 * ```ts
 * const openai = createOpenAIHandler({ provider, authorize: bearerToken('sk-local') });
 * const answer = await openai.fetch(new Request('http://localhost/v1/models'), { remoteAddress: '127.0.0.1' });
 * ```
 */
export interface OpenAIFetchInfo {
  readonly remoteAddress?: string | undefined;
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

type Route = 'completions' | 'models' | 'none';

/** A whole answer; `body` `''` for none. */
interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const pathOf = (url: string): string => {
  const path = url.startsWith('/') ? url : URL.canParse(url) ? new URL(url).pathname : url;
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
};

const refusalAnswer = (refusal: Refusal, cors: Readonly<Record<string, string>>): OpenAIErrorResponse => {
  const answer = refusalOf(refusal.status, refusal.error.message, refusal.headers);
  return { ...answer, headers: { ...cors, ...answer.headers } };
};

const notFound = (path: string): OpenAIErrorResponse =>
  refusalOf(404, `no route for ${path.slice(0, 200)}; this endpoint serves POST /chat/completions and GET /models`, {});

const errorAnswer = (error: YqcloudError, cors: Readonly<Record<string, string>>): OpenAIErrorResponse => {
  const answer = openaiErrorOf(error);
  return { ...answer, headers: { ...cors, ...answer.headers } };
};

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
  const guards = createGuards({
    ...options,
    cors:
      options.cors === undefined
        ? undefined
        : { allowHeaders: openaiAllowHeaders, exposeHeaders: openaiExposeHeaders, ...options.cors },
  });
  const { provider } = options;
  const pipe = options.pipe ?? identity;
  const base = (options.basePath ?? '/v1').replace(/\/+$/, '');
  const maxBufferedBytes = options.maxBufferedBytes ?? defaultMaxBufferedBytes;
  const defaultModel = provider.defaultModel ?? 'gpt-4';
  const models = provider.models ?? [defaultModel];

  const routeOf = (url: string): Route => {
    const path = pathOf(url);
    return path === `${base}/chat/completions` ? 'completions' : path === `${base}/models` ? 'models' : 'none';
  };

  // defer: a provider that throws from create fails this reply (a 502) and gives its slot back.
  const replyTo = (asked: ChatCompletionRequest): Observable<Chunk> =>
    defer(() => provider.create(toChatRequest(asked))).pipe(pipe);

  const metaOf = (asked: ChatCompletionRequest): CompletionMeta => ({
    id: `chatcmpl-${randomUUID().replaceAll('-', '')}`,
    created: Math.floor(Date.now() / 1000),
    model: asked.model === '' ? defaultModel : asked.model,
  });

  /** One completion written to `sink`, both transports alike; `release` frees its stream slot. */
  const complete = (asked: ChatCompletionRequest, sink: CompletionSink, release: () => void): Subscription =>
    runCompletion(replyTo(asked), sink, {
      stream: asked.stream,
      meta: metaOf(asked),
      keepAliveMs: options.keepAliveMs,
      scheduler: options.scheduler,
      onEnd: release,
    });

  /** The guards' verdict and the body, or the answer that ends the request. */
  const admitCompletion = async (
    view: GuardRequest,
    readBody: (limit: number) => Promise<BodyResult>,
  ): Promise<
    | { readonly type: 'answer'; readonly answer: Answer }
    | {
        readonly type: 'run';
        readonly admission: Admission & { type: 'admitted' };
        readonly asked: ChatCompletionRequest;
      }
  > => {
    const admission = await guards.admit(view, { methods: ['POST'] });
    const end = (answer: Answer) => ({ type: 'answer', answer }) as const;
    if (admission.type === 'preflight') return end({ status: 204, headers: admission.headers, body: '' });
    if (admission.type === 'refused') return end(json(refusalAnswer(admission.refusal, admission.headers)));
    const body = await readBody(guards.maxBodyBytes);
    if (body.type === 'refused') {
      admission.release();
      return end(json(refusalAnswer(body.refusal, admission.headers)));
    }
    const asked = decodeChatCompletionRequest(body.value);
    if (E.isLeft(asked)) {
      admission.release();
      return end(json(errorAnswer(asked.left, admission.headers)));
    }
    return { type: 'run', admission, asked: asked.right };
  };

  const admitModels = async (view: GuardRequest): Promise<Answer> => {
    const admission = await guards.admit(view, { methods: ['GET'], stream: false });
    if (admission.type === 'preflight') return { status: 204, headers: admission.headers, body: '' };
    if (admission.type === 'refused') return json(refusalAnswer(admission.refusal, admission.headers));
    return { status: 200, headers: { ...admission.headers, ...jsonHeaders }, body: JSON.stringify(modelList(models)) };
  };

  const node = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const answer = (a: Answer): void => {
      if (res.headersSent || res.destroyed) return void res.destroy();
      res.writeHead(a.status, a.headers).end(a.body === '' ? undefined : a.body);
    };
    const route = routeOf(req.url ?? '');
    if (route === 'none') return answer(json(notFound(pathOf(req.url ?? ''))));
    const view = fromNodeRequest(req);
    if (route === 'models') return answer(await admitModels(view));
    const admitted = await admitCompletion(view, (limit) => readNodeJson(req, limit));
    if (admitted.type === 'answer') return answer(admitted.answer);
    const { admission, asked } = admitted;
    if (res.destroyed || res.writableEnded) return admission.release();
    let run: Subscription | undefined;
    const sink: CompletionSink = {
      start: (status, headers, body) => {
        res.writeHead(status, { ...admission.headers, ...headers });
        if (body !== undefined) res.end(body);
      },
      write: (text) => {
        res.write(text);
        if (res.writableLength > maxBufferedBytes) {
          run?.unsubscribe();
          res.destroy();
        }
      },
      end: (text) => void res.end(text),
    };
    run = complete(asked, sink, admission.release);
    if (res.destroyed) run.unsubscribe();
    else res.once('close', () => run?.unsubscribe());
  };

  const fetch = async (request: Request, remoteAddress: string | undefined): Promise<Response> => {
    const respond = (a: Answer): Response =>
      new Response(a.body === '' ? null : a.body, { status: a.status, headers: a.headers });
    const route = routeOf(request.url);
    if (route === 'none') return respond(json(notFound(pathOf(request.url))));
    const view = fromWebRequest(request, remoteAddress);
    if (route === 'models') return respond(await admitModels(view));
    const admitted = await admitCompletion(view, (limit) => readWebJson(request, limit));
    if (admitted.type === 'answer') return respond(admitted.answer);
    const { admission, asked } = admitted;
    if (request.signal.aborted) {
      admission.release();
      return new Response(null, { status: 499 });
    }
    return new Promise<Response>((resolve) => {
      const encoder = new TextEncoder();
      let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
      let run: Subscription | undefined;
      const enqueue = (text: string): void => {
        try {
          controller?.enqueue(encoder.encode(text));
        } catch {
          run?.unsubscribe();
        }
      };
      const sink: CompletionSink = {
        start: (status, headers, body) => {
          const all = { ...admission.headers, ...headers };
          if (body !== undefined) return resolve(new Response(body, { status, headers: all }));
          const stream = new ReadableStream<Uint8Array>(
            {
              start: (c) => {
                controller = c;
              },
              cancel: () => run?.unsubscribe(),
            },
            new ByteLengthQueuingStrategy({ highWaterMark: 16 * 1024 }),
          );
          resolve(new Response(stream, { status, headers: all }));
        },
        write: (text) => {
          enqueue(text);
          if (controller !== undefined && (controller.desiredSize ?? 0) < -maxBufferedBytes) {
            run?.unsubscribe();
            controller.error(new Error('the client stopped reading'));
          }
        },
        end: (text) => {
          enqueue(text);
          try {
            controller?.close();
          } catch {}
        },
      };
      const onAbort = (): void => run?.unsubscribe();
      run = complete(asked, sink, admission.release);
      run.add(() => request.signal.removeEventListener('abort', onAbort));
      if (!run.closed) request.signal.addEventListener('abort', onAbort, { once: true });
    });
  };

  const internalError = (): OpenAIErrorResponse => refusalOf(500, 'the endpoint failed to answer', {});
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      await node(req, res);
    } catch {
      if (res.headersSent) res.destroy();
      else if (!res.destroyed) {
        const answer = json(internalError());
        res.writeHead(answer.status, answer.headers).end(answer.body);
      }
    }
  };
  return Object.assign(handler, {
    fetch: (request: Request, info: OpenAIFetchInfo = {}): Promise<Response> =>
      fetch(request, info.remoteAddress).catch(() => {
        const answer = json(internalError());
        return new Response(answer.body, { status: answer.status, headers: answer.headers });
      }),
    handles: (path: string) => routeOf(path) !== 'none',
  });
};

/** An OpenAI error as a JSON answer. */
const json = (answer: OpenAIErrorResponse): Answer => ({
  status: answer.status,
  headers: { ...answer.headers, ...jsonHeaders },
  body: JSON.stringify(answer.body),
});
