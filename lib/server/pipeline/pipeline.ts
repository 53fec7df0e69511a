/**
 * The one request pipeline of the server side. Every route goes through the same steps:
 * guards (CORS, method, `authorize`, content type, declared size), body (bounded, timed, never
 * read once refused), decode (the route's), a stream lease from the store (per verified client,
 * taken only once the body is read and decoded), the provider, encode (the route's), and the
 * write (one writer for `node:http`, one for Web `Response`s, a byte budget, keep-alive comments
 * on one scheduler timer). A route supplies only its decoder, its encoder and how it renders a
 * refusal, so a fix to any step lands once for all of them.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OperatorFunction, SchedulerLike } from 'rxjs';
import { asyncScheduler, catchError, defer, finalize, identity, interval, map, Observable, of, tap } from '#rx';
import type { ChatProvider, ChatRequest, Chunk, TelemetryTracer, YqcloudError } from '../../index.js';
import { withTimeouts } from '../../operators/withTimeouts.js';
import { createMemoryStore } from '../store/memoryStore.js';
import type { Lease, ServerStore } from '../store/store.js';
import type { Authorize } from './authorize.js';
import { readNodeBody, readWebBody, type BodyLimits, type BodyResult } from './body.js';
import type { CorsOptions } from './cors.js';
import { admit, type GuardOptions } from './guards.js';
import { defaultKeepAliveMs, fillSilence, keepAliveComment } from './keepAlive.js';
import { storeUnavailable, tooManyRequests, tooManyStreams, type Refusal } from './refusal.js';
import { requestRateOfStore } from '../store/replyStore.js';
import type { RateDecision } from '../store/requestRate.js';
import { defaultMaxBufferedBytes, startsEventStream, webReply, writeNodeReply, type ReplyPart } from './reply.js';
import { fromNodeRequest, fromWebRequest, remoteAddressOf, type GuardRequest } from './request.js';
import { inRequestSpan, type RequestSpan, type SpanRoute } from './requestSpan.js';
import { clientHash, type AccessLogger } from './accessLog.js';
import type { ErrorKind } from '../../index.js';
import { clientError, logEntryOf, type ServerLogger } from './safeError.js';

/**
 * What every handler of the server side takes (the relay's and the OpenAI route's options add
 * to these). Pass the same `store` to every handler of one server: then a client has one
 * stream budget across all of them.
 *
 * @example
 * ```ts
 * const store = createMemoryStore();
 * const options: ServerOptions = { provider, authorize: bearerToken('s3cret'), store, logger: (entry) => console.error(entry) };
 * ```
 */
export interface ServerOptions {
  /** What the replies come from: a `YqcloudProvider`, or anything with its `create`. */
  readonly provider: ChatProvider;
  /**
   * Who may call, and who they are: `bearerToken(…)`, or a hook returning the identity it
   * verified (`true`: the remote address). Limits and conversations are keyed by it alone.
   */
  readonly authorize: Authorize;
  /**
   * How long `authorize` may take (default 10 000; 0: no limit); past it the request is answered
   * 503 with `retry-after` (the hook's verdict, when it comes, is ignored).
   */
  readonly authorizeTimeoutMs?: number | undefined;
  /** The CORS allow-list; absent: no other origin may call (same-origin pages still can). */
  readonly cors?: CorsOptions | undefined;
  /** Stream leases and conversation owners (default: a new `createMemoryStore()` per handler). */
  readonly store?: ServerStore | undefined;
  /** The largest request body, in bytes (default 256 KiB). */
  readonly maxBodyBytes?: number | undefined;
  /** How long the whole body may take to arrive (default 20 000 ms); then 408 and the connection closed. */
  readonly bodyTimeoutMs?: number | undefined;
  /** Streams one client (one identity) may have open at once, across the handlers sharing `store` (default 4). */
  readonly maxConcurrentStreams?: number | undefined;
  /**
   * Requests one client may send per minute, across the handlers sharing `store` (default: no
   * limit); past it 429 with `retry-after`, before the body is read. Counted in the store when it
   * counts requests (`createMemoryReplyStore`, `createRedisStore`: across the cluster).
   */
  readonly maxRequestsPerMinute?: number | undefined;
  /** How long a stream lease lives unless renewed (default 60 000 ms; renewed every third of it while streaming). */
  readonly leaseTtlMs?: number | undefined;
  /** How long a conversation stays its client's after its last turn (default 24 h). */
  readonly conversationTtlMs?: number | undefined;
  /** The `retry-after` of a 429 or 503, in seconds (default 2). */
  readonly retryAfterS?: number | undefined;
  /** Milliseconds of silence before each `: keep-alive` comment of a stream (default 15 000; 0: none). */
  readonly keepAliveMs?: number | undefined;
  /** Bytes of one answer that may wait for a slow client (default 1 MiB); past it the answer is cut off. */
  readonly maxBufferedBytes?: number | undefined;
  /**
   * How long the provider may take to start a reply, and may stay silent within one (default
   * 60 000; 0: no limit): then the reply fails with `Timeout` and the request to the service is
   * aborted. A reply that goes on without its client (a relay reply kept in a reply log) holds
   * its client's stream slot until it ends: this bounds that too.
   */
  readonly upstreamTimeoutMs?: number | undefined;
  /** Operators applied to every reply's chunks, after `upstreamTimeoutMs` (`bufferText(…)`). */
  readonly pipe?: OperatorFunction<Chunk, Chunk> | undefined;
  /** The scheduler of the keep-alive, lease and body timers (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike | undefined;
  /** Where failures are described in full (redacted); clients only see a kind and a safe message. */
  readonly logger?: ServerLogger | undefined;
  /**
   * One entry per request: the route's name (its span's), the status, the duration, the error
   * kind if any, and the client as a keyed hash of its identity (never a prompt, a token or a
   * secret).
   */
  readonly accessLog?: AccessLogger | undefined;
  /**
   * A `SERVER` span per request (an OpenTelemetry `Tracer`), the child of the caller's span when
   * the request carries a `traceparent`; see docs/observability.md.
   */
  readonly telemetry?: { readonly tracer?: TelemetryTracer | undefined } | undefined;
}

/** The default `upstreamTimeoutMs`: a minute, as `yqcloud-rx serve` has always used. */
export const defaultUpstreamTimeoutMs = 60_000;

/**
 * What a route is given for one admitted request.
 */
export interface RouteContext {
  /** The identity `authorize` verified (`user:…` or `address:…`). */
  readonly identity: string;
  readonly store: ServerStore;
  readonly conversationTtlMs: number;
  readonly provider: ChatProvider;
  /** The provider's reply to a request through the server's `pipe`; a provider that throws fails the stream. */
  readonly chunks: (request: ChatRequest) => Observable<Chunk>;
  /** The client's view of a failure; its detail goes to the log. */
  readonly clientError: (e: unknown) => YqcloudError;
  /** The request as the guards saw it (method, URL, headers). */
  readonly request: GuardRequest;
  /**
   * Keeps the client's stream lease (renewed) after the answer ends, until `done` settles: a
   * relay reply that goes on while its client is away still counts against the client.
   */
  readonly keepLeaseUntil: (done: Promise<unknown>) => void;
}

/**
 * A route: what it serves and how it reads and writes its protocol; the pipeline does the rest.
 *
 * @example
 * ```ts
 * const hello: Route<null> = {
 *   span: { name: 'hello', route: '/hello' },
 *   methods: ['GET'],
 *   opensStream: false,
 *   render: (refusal, headers) => ({ type: 'head', status: refusal.status, headers: { ...headers, ...refusal.headers }, body: refusal.message }),
 *   decode: async () => E.right(null),
 *   reply: () => of<ReplyPart>({ type: 'head', status: 200, headers: jsonHeaders, body: '"hello"' }),
 * };
 * ```
 */
export interface Route<A> {
  /** What its requests' spans are told: its name, and its path template when it has one. */
  readonly span: SpanRoute;
  readonly methods: ReadonlyArray<string>;
  /** `true`: the request has a JSON body and streams from the provider (it holds a lease); `false`: neither. */
  readonly opensStream: boolean;
  /** A stream lease for a route without a body (a resumed reply is a stream too); default `opensStream`. */
  readonly holdsLease?: boolean | undefined;
  /** The key the route's leases count against (default: the identity itself). */
  readonly leaseKey?: ((identity: string) => string) | undefined;
  /** A refusal in the route's protocol, with the CORS `headers`: a whole answer. */
  readonly render: (refusal: Refusal, headers: Readonly<Record<string, string>>) => ReplyPart;
  /** The parsed body (`undefined` when the route opens no stream) into what `reply` needs, or a refusal. */
  readonly decode: (body: unknown, context: RouteContext) => Promise<E.Either<Refusal, A>>;
  /** The answer: a head, then data; failures already turned into the protocol's answers. */
  readonly reply: (asked: A, context: RouteContext, headers: Readonly<Record<string, string>>) => Observable<ReplyPart>;
}

/**
 * The pipeline, for `node:http` and for Web `Request`s.
 */
export interface Pipeline {
  /** Answers a `node:http` request through `route`; never rejects. */
  readonly node: <A>(route: Route<A>, req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Answers a Web `Request` through `route`; never rejects, and settles when the request is aborted. */
  readonly fetch: <A>(route: Route<A>, request: Request, info?: unknown) => Promise<Response>;
  /** The store the routes share. */
  readonly store: ServerStore;
}

/**
 * The lease held while `source` runs: renewed every third of its TTL, released when it ends
 * however it ends, or, when `keptUntil()` gives a promise by then, once that settles.
 */
const holdLease =
  (
    store: ServerStore,
    lease: Lease,
    ttlMs: number,
    scheduler: SchedulerLike,
    log: (what: string, e: unknown) => void,
    keptUntil: () => Promise<unknown> | undefined,
  ) =>
  <T>(source: Observable<T>): Observable<T> =>
    new Observable<T>((subscriber) => {
      const renewal = interval(Math.max(1, Math.floor(ttlMs / 3)), scheduler).subscribe(() => {
        store.renew(lease, ttlMs).catch((e: unknown) => log('a stream lease could not be renewed', e));
      });
      const release = (): void => {
        renewal.unsubscribe();
        store.release(lease).catch((e: unknown) => log('a stream lease could not be released', e));
      };
      subscriber.add(() => {
        const until = keptUntil();
        if (until === undefined) release();
        else until.then(release, release);
      });
      source.subscribe(subscriber);
    });

/**
 * Builds the pipeline of a handler.
 */
export const createPipeline = (options: ServerOptions): Pipeline => {
  const store = options.store ?? createMemoryStore();
  const scheduler = options.scheduler ?? asyncScheduler;
  const maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
  const limits: BodyLimits = { limitBytes: maxBodyBytes, timeoutMs: options.bodyTimeoutMs ?? 20_000, scheduler };
  const maxStreams = options.maxConcurrentStreams ?? 4;
  const leaseTtlMs = options.leaseTtlMs ?? 60_000;
  const retryAfterS = options.retryAfterS ?? 2;
  const perMinute = options.maxRequestsPerMinute;
  const requestRate = perMinute === undefined ? undefined : requestRateOfStore(store);
  const budget = options.maxBufferedBytes ?? defaultMaxBufferedBytes;
  const keepAlive = fillSilence<ReplyPart>(
    options.keepAliveMs ?? defaultKeepAliveMs,
    scheduler,
    { type: 'data', text: keepAliveComment },
    startsEventStream,
  );
  const userPipe = options.pipe ?? identity;
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? defaultUpstreamTimeoutMs;
  const upstreamDeadline: OperatorFunction<Chunk, Chunk> =
    upstreamTimeoutMs > 0
      ? withTimeouts({ firstChunkMs: upstreamTimeoutMs, idleMs: upstreamTimeoutMs, scheduler })
      : identity;
  const authorizeTimeoutMs = options.authorizeTimeoutMs ?? 10_000;
  const guardOptions: GuardOptions = {
    authorize: options.authorize,
    cors: options.cors,
    maxBodyBytes,
    authorizeTimeout: authorizeTimeoutMs > 0 ? { ms: authorizeTimeoutMs, scheduler, retryAfterS } : undefined,
  };
  const log = (message: string, e: unknown): void => {
    try {
      options.logger?.(logEntryOf(message, e));
    } catch {}
  };
  /** What the access log will say of a request, filled in as it goes. */
  interface Access {
    status: number;
    errorKind?: ErrorKind | undefined;
    client?: string | undefined;
  }
  const logAccess = (route: Route<unknown>, method: string, started: number, access: Access): void => {
    try {
      options.accessLog?.({ route: route.span.name, method, durationMs: performance.now() - started, ...access });
    } catch {}
  };
  /** The reply, with its status and end recorded for the access log. */
  const accessed = (
    planned: Observable<ReplyPart>,
    route: Route<unknown>,
    method: string,
    started: number,
    access: Access,
  ): Observable<ReplyPart> =>
    options.accessLog === undefined
      ? planned
      : planned.pipe(
          tap((part) => {
            if (part.type === 'head') access.status = part.status;
          }),
          finalize(() => logAccess(route, method, started, access)),
        );
  const contextOf = (
    id: string,
    request: GuardRequest,
    keepLeaseUntil: (done: Promise<unknown>) => void,
    access: Access,
  ): RouteContext => ({
    identity: id,
    request,
    keepLeaseUntil,
    store,
    conversationTtlMs: options.conversationTtlMs ?? 24 * 60 * 60 * 1000,
    provider: options.provider,
    chunks: (request) => defer(() => options.provider.create(request)).pipe(upstreamDeadline, userPipe),
    clientError: (e) => {
      log('a reply failed', e);
      const shown = clientError(e);
      access.errorKind = shown.kind;
      return shown;
    },
  });

  const plan = async <A>(
    route: Route<A>,
    view: GuardRequest,
    readBody: () => Promise<BodyResult>,
    stillWanted: () => boolean,
    access: Access,
  ): Promise<Observable<ReplyPart> | undefined> => {
    const admission = await admit(guardOptions, view, route.methods, route.opensStream);
    const holdsLease = route.holdsLease ?? route.opensStream;
    if (admission.type === 'preflight') return of({ type: 'head', status: 204, headers: admission.headers, body: '' });
    const refuse = (refusal: Refusal): Observable<ReplyPart> => {
      access.errorKind = refusal.error.kind;
      return of(route.render(refusal, admission.headers));
    };
    if (admission.type === 'refused') return refuse(admission.refusal);
    if (options.accessLog !== undefined) access.client = clientHash(admission.identity);
    let keptUntil: Promise<unknown> | undefined;
    if (requestRate !== undefined && perMinute !== undefined) {
      let decision: RateDecision;
      try {
        decision = await requestRate.consume(admission.identity, perMinute);
      } catch (e) {
        log('the store failed while a request was counted', e);
        return refuse(storeUnavailable(retryAfterS));
      }
      if (!decision.allowed) return refuse(tooManyRequests(perMinute, decision.retryAfterMs));
    }
    const context = contextOf(
      admission.identity,
      view,
      (done) => {
        keptUntil = done;
      },
      access,
    );
    let body: unknown;
    if (route.opensStream) {
      const read = await readBody();
      if (read.type === 'refused') return refuse(read.refusal);
      body = read.value;
    }
    let decoded: E.Either<Refusal, A>;
    try {
      decoded = await route.decode(body, context);
    } catch (e) {
      log('a request could not be decoded (the store or a route resource failed)', e);
      return refuse(storeUnavailable(retryAfterS));
    }
    if (E.isLeft(decoded)) return refuse(decoded.left);
    const asked = decoded.right;
    const reply = (): Observable<ReplyPart> =>
      defer(() => route.reply(asked, context, admission.headers)).pipe(
        catchError((e: unknown) => {
          log('a route failed', e);
          throw e;
        }),
      );
    if (!holdsLease) return reply();
    let lease: Lease | undefined;
    try {
      lease = await store.acquire(route.leaseKey?.(admission.identity) ?? admission.identity, maxStreams, leaseTtlMs);
    } catch (e) {
      log('the store failed while a stream lease was taken', e);
      return refuse(storeUnavailable(retryAfterS));
    }
    if (lease === undefined) return refuse(tooManyStreams(maxStreams, retryAfterS));
    if (!stillWanted()) {
      store.release(lease).catch((e: unknown) => log('a stream lease could not be released', e));
      return undefined;
    }
    return reply().pipe(
      keepAlive,
      holdLease(store, lease, leaseTtlMs, scheduler, log, () => keptUntil),
    );
  };

  const tracer = options.telemetry?.tracer;
  /** The parts with the span told the status and ended when they end, however they end. */
  const traced = (parts: Observable<ReplyPart>, span: RequestSpan): Observable<ReplyPart> =>
    tracer === undefined
      ? parts
      : parts.pipe(
          tap((part) => {
            if (part.type === 'head') span.status(part.status);
          }),
          finalize(span.end),
        );

  const node = <A>(route: Route<A>, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const view = fromNodeRequest(req);
    const started = performance.now();
    const access: Access = { status: 499 };
    const method = req.method ?? '';
    return inRequestSpan(tracer, view, route.span, async (span) => {
      try {
        const found = await plan(
          route,
          view,
          () => readNodeBody(req, limits),
          () => !res.destroyed,
          access,
        );
        if (found === undefined) {
          span.end();
          logAccess(route as Route<unknown>, method, started, access);
          return;
        }
        const planned = accessed(found, route as Route<unknown>, method, started, access);
        const closing = !req.complete;
        if (closing) {
          // Never read what was refused: no keep-alive (which would read the rest to reuse the
          // connection); the socket is closed once the answer is out.
          const socket = req.socket;
          res.once('finish', () => socket.destroy());
        }
        const parts = closing
          ? planned.pipe(
              map((part) =>
                part.type === 'head' ? { ...part, headers: { ...part.headers, connection: 'close' } } : part,
              ),
            )
          : planned;
        const running = writeNodeReply(res, traced(parts, span), budget);
        if (running === undefined && closing) req.socket.destroy();
      } catch (e) {
        log('the pipeline failed', e);
        span.status(500);
        span.end();
        if (!res.headersSent && !res.destroyed) res.writeHead(500, { connection: 'close' }).end();
        else res.destroy();
      }
    });
  };

  const fetch = <A>(route: Route<A>, request: Request, info?: unknown): Promise<Response> => {
    const view = fromWebRequest(request, remoteAddressOf(info));
    const started = performance.now();
    const access: Access = { status: 499 };
    return inRequestSpan(tracer, view, route.span, async (span) => {
      try {
        const planned = await plan(
          route,
          view,
          () => readWebBody(request, limits),
          () => !request.signal.aborted,
          access,
        );
        if (planned === undefined) {
          span.status(499);
          span.end();
          logAccess(route as Route<unknown>, request.method, started, access);
          return new Response(null, { status: 499 });
        }
        return await webReply(
          traced(accessed(planned, route as Route<unknown>, request.method, started, access), span),
          budget,
          request.signal,
        );
      } catch (e) {
        log('the pipeline failed', e);
        span.status(500);
        span.end();
        return new Response(null, { status: 500 });
      }
    });
  };

  return { node, fetch, store };
};
