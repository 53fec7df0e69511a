/**
 * The relay: a provider's chunks streamed to a client (a browser, another server) as
 * Server-Sent Events, behind the guards, for `node:http` and for Web `Request` → `Response`.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { finalize, identity, type Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { ChatRequest, Chunk, YqcloudError } from '../index.js';
import type { EventStreamOptions } from './eventStreamHeaders.js';
import { eventStreamResponse } from './eventStreamResponse.js';
import { fromNodeRequest, fromWebRequest, type GuardRequest } from './guardRequest.js';
import { createGuards, type GuardOptions } from './guards.js';
import { readNodeJson, readWebJson, type BodyResult } from './readBody.js';
import { decodeRelayBody } from './relayBody.js';
import { badRequest, refusalResponse, writeRefusal, type Refusal } from './refusal.js';
import { toServerSentEvents } from './serverSentEvents.js';
import { startReply } from './startReply.js';
import { writeEventStream } from './writeEventStream.js';

/**
 * What the relay streams from: `YqcloudProvider`, or anything with its `create`.
 *
 * @example
 * ```ts
 * const provider: RelayUpstream = new YqcloudProvider();
 * ```
 */
export interface RelayUpstream {
  /** Streams the reply to a request (`YqcloudProvider.create`). */
  readonly create: (request: ChatRequest) => Observable<Chunk>;
}

/**
 * How a relay is guarded and streams. `authorize` is required (`bearerToken(token)` at least;
 * `() => true` opens the relay on purpose, behind authentication of your own).
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
export interface RelayOptions extends GuardOptions {
  readonly provider: RelayUpstream;
  /** Milliseconds of upstream silence before each `: keep-alive` comment (default 15 000; 0: none). */
  readonly keepAliveMs?: number | undefined;
  /** Bytes of one answer that may wait for a slow client (default 1 MiB); past it the relay aborts. */
  readonly maxBufferedBytes?: number | undefined;
  /** Operators applied to the chunks before they are sent (`withTimeouts(…)`, `bufferText(…)`). */
  readonly pipe?: OperatorFunction<Chunk, Chunk> | undefined;
  /** The scheduler of the keep-alive timer. */
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * Where a Web handler's request came from, when the server says (the relay counts streams per
 * client by bearer token, else by this address).
 *
 * @example
 * ```ts
 * Deno.serve((request, info) => relay.fetch(request, { remoteAddress: info.remoteAddr.hostname }));
 * ```
 */
export interface RelayFetchInfo {
  readonly remoteAddress?: string | undefined;
}

/**
 * A relay: call it as a `node:http` handler (`http.createServer(relay)`, `app.post('/relay',
 * relay)` in Express, before any body parser), or use `relay.fetch` as a Web handler
 * (`export const POST = relay.fetch` in Next.js, `(c) => relay.fetch(c.req.raw)` in Hono,
 * Bun, Deno). Neither ever rejects.
 *
 * @example
 * ```ts
 * const relay: RelayHandler = createRelayHandler({ provider, authorize: bearerToken('s3cret') });
 * http.createServer(relay).listen(8787);
 * ```
 */
export interface RelayHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** The same relay as a Web handler: a refusal or an event-stream `Response`. */
  readonly fetch: (request: Request, info?: RelayFetchInfo) => Promise<Response>;
}

type Outcome =
  | { readonly type: 'preflight'; readonly headers: Readonly<Record<string, string>> }
  | { readonly type: 'refused'; readonly refusal: Refusal; readonly headers: Readonly<Record<string, string>> }
  | { readonly type: 'stream'; readonly events: Observable<string>; readonly headers: Readonly<Record<string, string>> }
  | { readonly type: 'gone' };

const remoteAddressOf = (info: unknown): string | undefined => {
  if (typeof info !== 'object' || info === null || !Object.hasOwn(info, 'remoteAddress')) return undefined;
  const address: unknown = (info as { readonly remoteAddress?: unknown }).remoteAddress;
  return typeof address === 'string' ? address : undefined;
};

/**
 * Builds a relay. Per request: the guards (CORS, method, `authorize`, content type, body size,
 * streams per client), then the body decoded (bad: 400, `InvalidRequest`), then the reply
 * streamed as `text` / `conversation` / `finish` / `error` events with keep-alives. Refusals
 * answer `{ "error": <YqcloudError> }` before anything is sent to the service. The relay keeps
 * no state between requests: the conversation travels in the body, so instances scale out.
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
  const guards = createGuards(options);
  const provider = options.provider;
  const pipeChunks = options.pipe ?? identity;
  const sse = toServerSentEvents({
    ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
    ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
  });
  const streamOptions = (headers: Readonly<Record<string, string>>): EventStreamOptions => ({
    headers,
    ...(options.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: options.maxBufferedBytes }),
  });

  /** The guards, the body, then the reply, started only if the client is still there. */
  const prepare = async (
    request: GuardRequest,
    readBody: (limit: number) => Promise<BodyResult>,
    stillWanted: () => boolean,
  ): Promise<Outcome> => {
    const admission = await guards.admit(request);
    if (admission.type !== 'admitted') return admission;
    const { headers, release } = admission;
    const refuse = (refusal: Refusal): Outcome => {
      release();
      return { type: 'refused', refusal, headers };
    };
    const read = await readBody(guards.maxBodyBytes);
    if (read.type === 'refused') return refuse(read.refusal);
    const decoded = decodeRelayBody(read.value);
    if (E.isLeft(decoded)) return refuse(badRequest(decoded.left));
    if (!stillWanted()) {
      release();
      return { type: 'gone' };
    }
    let started: E.Either<YqcloudError, Observable<Chunk>>;
    try {
      started = startReply(pipeChunks(provider.create(decoded.right)));
    } catch (e) {
      // A provider or pipe that throws instead of failing its stream: a 500, the slot given back.
      release();
      throw e;
    }
    if (E.isLeft(started)) return refuse(badRequest(started.left));
    return { type: 'stream', events: started.right.pipe(sse, finalize(release)), headers };
  };

  const node = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const outcome = await prepare(
        fromNodeRequest(req),
        (limit) => readNodeJson(req, limit),
        () => !res.destroyed,
      );
      if (outcome.type === 'gone') return;
      if (res.destroyed) {
        // Subscribed and let go at once: the upstream request is cancelled, the slot given back.
        if (outcome.type === 'stream') outcome.events.subscribe().unsubscribe();
        return;
      }
      if (outcome.type === 'preflight') res.writeHead(204, outcome.headers).end();
      else if (outcome.type === 'refused')
        // A body left unread cannot be followed by another request on the same connection.
        writeRefusal(
          res,
          outcome.refusal,
          req.complete ? outcome.headers : { ...outcome.headers, connection: 'close' },
        );
      else writeEventStream(res, outcome.events, streamOptions(outcome.headers));
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  };

  const fetch = async (request: Request, info?: RelayFetchInfo): Promise<Response> => {
    try {
      const outcome = await prepare(
        fromWebRequest(request, remoteAddressOf(info)),
        (limit) => readWebJson(request, limit),
        () => !request.signal.aborted,
      );
      if (outcome.type === 'gone') return new Response(null, { status: 499 });
      if (outcome.type === 'preflight') return new Response(null, { status: 204, headers: outcome.headers });
      if (outcome.type === 'refused') return refusalResponse(outcome.refusal, outcome.headers);
      return eventStreamResponse(outcome.events, { ...streamOptions(outcome.headers), signal: request.signal });
    } catch {
      return new Response(null, { status: 500 });
    }
  };

  return Object.assign(node, { fetch });
};
