/**
 * The AI SDK's chat protocol, served from the server's pipeline: an app written with `useChat`
 * (React) or `Chat` (Vue, Svelte, Angular) and `DefaultChatTransport` runs on the Yqcloud
 * service with its `api` URL pointed here. `POST <path>` takes the transport's body and answers
 * the UI message stream; `GET <path>/<chatId>/stream`, the transport's reconnect (`resume: true`,
 * `resumeStream()`), answers the chat's reply in flight again from its start (`start` with the
 * same message id, the text so far, then live to its end), or 204 when it has none;
 * `DELETE <path>/<chatId>/stream` stops it.
 *
 * Resume needs a store that keeps replies (`createMemoryReplyStore`, `createRedisStore`; `serve`
 * has one): each reply is then produced into the store's reply log, as the relay's are, as that
 * chat's active reply for the verified identity, and goes on when its client's connection
 * drops, so that any instance sharing the store can answer the reconnect. The AI SDK's `stop()`
 * only closes the client's connection (it sends nothing), so the reply then runs to its end
 * unless the app also sends the `DELETE`. Without such a store a reply is not kept: a dropped
 * connection (or `stop()`) aborts the service request, and `GET` answers 204.
 *
 * The `finish` chunk carries the usage, estimated as the OpenAI route counts it (the service
 * reports none), as `messageMetadata: { totalUsage: { inputTokens, outputTokens, totalTokens } }`.
 *
 * The whole thread travels in `messages`, as the transport sends it; each request runs in a
 * service conversation of its own, minted from a CSPRNG. Refusals (401, 403, 413, 429, a bad
 * body, a request the provider refuses outright with `InvalidRequest`: 400) are plain text,
 * which the transport raises as the `Error`'s message. With a reply log, the log's reply is
 * opened before the service is asked (a client gone meanwhile starts no request) and at most
 * 1 Mi characters wait for the store, as for the relay (`produceReply`).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as E from '#fp-ts/Either.js';
import type { Observable } from 'rxjs';
import { catchError, concatMap, defer, finalize, from, map, of, tap } from '#rx';
import type { Chunk } from '../../../core/chunk.js';
import { mintUserId } from '../../../core/conversation.js';
import { invalidRequest, type YqcloudError } from '../../../core/error.js';
import { createPipeline, type Route, type RouteContext, type ServerOptions } from '../../pipeline/pipeline.js';
import { produceReply, replyEntries, type ReplyEntriesOptions } from '../../pipeline/produceReply.js';
import { badRequest, replyNotYours, storeUnavailable, type Refusal } from '../../pipeline/refusal.js';
import type { ReplyPart } from '../../pipeline/reply.js';
import type { FetchInfo } from '../../pipeline/request.js';
import { followReply, stopReply, type ResumeOutcome } from '../../pipeline/resumeReply.js';
import { startReply } from '../../pipeline/startReply.js';
import { pathOf, routedHandler } from '../../pipeline/routePath.js';
import { startOfReply, type ReplyUsage } from '../../store/replyLog.js';
import { repliesOf } from '../../store/replyStore.js';
import { modelCatalogue, resolveModel } from '../openai/modelAliases.js';
import {
  addText,
  emptyTextCount,
  loadTokenCounter,
  promptTokens,
  textTokens,
  type TokenCounter,
} from '../openai/usage.js';
import { decodeUIChatRequest, isChatId, uiChatToChatRequest, type UIChatRequest } from './uiChatRequest.js';
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

/** What the chat route decoded: the request, its model resolved, and how its usage is counted. */
type Asked = UIChatRequest & {
  readonly resolved: string;
  readonly usage: { readonly counter: TokenCounter; readonly promptTokens: number } | undefined;
};

/** The methods of `<path>/<chatId>/stream`: `GET` resumes, `DELETE` stops (its preflight lists both). */
const streamMethods: ReadonlyArray<string> = ['GET', 'DELETE'];

/** A reply's message id: the same on every resume, so that the client replaces what it has. */
const messageIdOf = (replyId: string): string => `msg-${replyId}`;

const noContent = (headers: Readonly<Record<string, string>>): Observable<ReplyPart> =>
  of({ type: 'head', status: 204, headers, body: '' });

const refused = (outcome: 'not-yours' | 'unavailable' | 'bad-id', retryAfterS: number): Refusal =>
  outcome === 'not-yours'
    ? replyNotYours()
    : outcome === 'unavailable'
      ? storeUnavailable(retryAfterS)
      : badRequest(invalidRequest('chatId', 'the path does not name a chat (1 to 256 printable characters)'));

/** The chunks with their text counted as they pass, and the entries' options that read the count. */
const counted = (
  chunks: Observable<Chunk>,
  asked: Asked,
  context: RouteContext,
): { readonly chunks: Observable<Chunk>; readonly options: ReplyEntriesOptions } => {
  const usage = asked.usage;
  if (usage === undefined) return { chunks, options: { safeError: context.clientError } };
  let count = emptyTextCount;
  return {
    chunks: chunks.pipe(
      tap((chunk) => {
        if (chunk.type === 'text') count = addText(usage.counter, count, chunk.text);
      }),
    ),
    options: {
      safeError: context.clientError,
      usage: (): ReplyUsage => ({
        inputTokens: usage.promptTokens,
        outputTokens: textTokens(usage.counter, count),
      }),
    },
  };
};

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
  const retryAfterS = options.retryAfterS ?? 2;
  const catalogue = E.getOrElseW((e) => {
    throw e;
  })(modelCatalogue({ defaultModel, models: options.provider.models ?? [defaultModel] }));

  const chat: Route<Asked> = {
    span: { name: 'ui_message_stream', route: base },
    methods: ['POST'],
    opensStream: true,
    render,
    decode: async (body, context) => {
      const decoded = E.chain((asked: UIChatRequest) =>
        E.bimap(
          (model: string) =>
            badRequest(
              context.clientError(invalidRequest('model', `unknown model ${JSON.stringify(model.slice(0, 100))}`)),
            ),
          (resolved: string) => ({ ...asked, resolved }),
        )(resolveModel(catalogue, asked.model)),
      )(E.mapLeft((error) => badRequest(context.clientError(error)))(decodeUIChatRequest(body)));
      if (E.isLeft(decoded)) return decoded;
      const counter = await loadTokenCounter().catch(() => undefined);
      return E.right({
        ...decoded.right,
        usage:
          counter === undefined ? undefined : { counter, promptTokens: promptTokens(counter, decoded.right.messages) },
      });
    },
    reply: (asked, context, headers) => {
      const { chunks, options: entries } = counted(
        context.chunks(uiChatToChatRequest(asked, mintUserId(), asked.resolved)),
        asked,
        context,
      );
      const log = repliesOf(context.store);
      const refusedAnswer = (error: YqcloudError): Observable<ReplyPart> => of(render(badRequest(error), headers));
      const streamed = (): Observable<ReplyPart> =>
        startReply(
          chunks,
          (error) => refusedAnswer(context.clientError(error)),
          (started) => uiMessageReply(replyEntries(started, entries), { messageId: `msg-${randomUUID()}`, headers }),
        );
      if (log === undefined) return streamed();
      return defer(() => {
        // A client that leaves while the reply is being opened starts no production (nor service request).
        let wanted = true;
        return from(
          produceReply(log, context.identity, chunks, { ...entries, chatId: asked.chatId, stillWanted: () => wanted }),
        ).pipe(
          catchError((e: unknown) => {
            // The store cannot open a reply: this one is served as it comes, not resumable.
            context.clientError(e);
            return of(undefined);
          }),
          concatMap((production) => {
            if (production === undefined) return streamed();
            context.keepLeaseUntil(production.done);
            if (production.refused !== undefined) return refusedAnswer(production.refused);
            return uiMessageReply(production.events.pipe(map(({ entry }) => entry)), {
              messageId: messageIdOf(production.replyId),
              headers,
            });
          }),
          finalize(() => {
            wanted = false;
          }),
        );
      });
    },
  };

  const chatIdOf = (context: RouteContext): string | undefined => {
    const path = pathOf(context.request.url);
    const encoded = path.slice(base.length + 1, path.length - '/stream'.length);
    try {
      const chatId = decodeURIComponent(encoded);
      return isChatId(chatId) ? chatId : undefined;
    } catch {
      return undefined;
    }
  };

  /** The chat's active reply, followed from its start, for the client that asks. */
  const resume: Route<ResumeOutcome> = {
    span: { name: 'ui_message_stream.resume', route: `${base}/{chatId}/stream` },
    methods: streamMethods,
    opensStream: false,
    holdsLease: true,
    leaseKey: (identity) => `${identity}#readers`,
    render,
    decode: async (_body, context) => {
      const active = await activeReplyOf(context);
      if (active.type !== 'found') return E.right(active);
      return E.right(await followReply(active.log, context.identity, active.replyId, startOfReply));
    },
    reply: (outcome, _context, headers) => {
      if (outcome.type === 'follow')
        return uiMessageReply(outcome.events.pipe(map(({ entry }) => entry)), {
          messageId: messageIdOf(outcome.replyId),
          headers,
        });
      return outcome.type === 'gone' ? noContent(headers) : of(render(refused(outcome.type, retryAfterS), headers));
    },
  };

  /** Stops the chat's active reply, wherever it is produced. */
  const stop: Route<'stopping' | 'gone' | 'not-yours' | 'unavailable' | 'bad-id'> = {
    span: { name: 'ui_message_stream.stop', route: `${base}/{chatId}/stream` },
    methods: streamMethods,
    opensStream: false,
    render,
    decode: async (_body, context) => {
      const active = await activeReplyOf(context);
      if (active.type !== 'found') return E.right(active.type);
      return E.right(await stopReply(active.log, context.identity, active.replyId));
    },
    reply: (outcome, _context, headers) =>
      outcome === 'stopping'
        ? of<ReplyPart>({ type: 'head', status: 202, headers, body: '' })
        : outcome === 'gone'
          ? noContent(headers)
          : of(render(refused(outcome, retryAfterS), headers)),
  };

  const activeReplyOf = async (
    context: RouteContext,
  ): Promise<
    | { readonly type: 'found'; readonly log: NonNullable<ReturnType<typeof repliesOf>>; readonly replyId: string }
    | { readonly type: 'gone' | 'unavailable' | 'bad-id' }
  > => {
    const chatId = chatIdOf(context);
    if (chatId === undefined) return { type: 'bad-id' };
    const log = repliesOf(context.store);
    if (log === undefined) return { type: 'gone' };
    try {
      const replyId = await log.activeReply(context.identity, chatId);
      return replyId === undefined ? { type: 'gone' } : { type: 'found', log, replyId };
    } catch {
      return { type: 'unavailable' };
    }
  };

  const resumePath = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^/]{1,1024}/stream$`);
  const knownRoute = (path: string, method?: string): Route<unknown> | undefined =>
    (path === base ? chat : resumePath.test(path) ? (method === 'DELETE' ? stop : resume) : undefined) as
      | Route<unknown>
      | undefined;
  return routedHandler(pipeline, knownRoute, {
    spanName: 'ui_message_stream.unknown',
    render,
    serves: `this route serves POST ${base} and GET or DELETE ${base}/<chatId>/stream`,
  });
};
