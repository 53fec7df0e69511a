/**
 * A loopback server that speaks the Yqcloud wire protocol: it validates requests as the service
 * does, keeps per-conversation context, streams deterministic replies in pieces with chunked
 * transfer, and misbehaves on request.
 *
 * @module
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as E from '#fp-ts/Either.js';
import { pipe } from '#fp-ts/function.js';
import { answer, corsHeaders, plain } from './answer.js';
import { createConversationStore, defaultMaxConversationBytes, type ConversationStore } from './conversations.js';
import { faultFromHeader, parseFault, type Fault } from './fault.js';
import { parsePayload, type EmulatorPayload } from './payload.js';
import { promptRefusal, type PromptLimit } from './promptLimit.js';
import { defaultReply, type ReplyFunction } from './reply.js';
import { createRequestLog, defaultMaxRequestLogBytes, type EmulatorRequest, type RequestLog } from './requestLog.js';
import { createTimers, type Timers } from './timers.js';

/**
 * How the emulator listens and answers. Every option is optional.
 *
 * @example
 * ```ts
 * const options: EmulatorOptions = { port: 8080, pieceChars: 3, delayMs: 40 };
 * ```
 */
export interface EmulatorOptions {
  /** Interface to listen on (default `127.0.0.1`). */
  readonly host?: string;
  /** Port (default `0`: any free port). */
  readonly port?: number;
  /** The reply to a prompt (default {@link defaultReply}). */
  readonly reply?: ReplyFunction;
  /** Characters per written piece (default `4`). */
  readonly pieceChars?: number;
  /** Milliseconds between pieces (default `15`). */
  readonly delayMs?: number;
  /** The largest request body accepted (default 1 MiB); larger → 413. */
  readonly maxBodyBytes?: number;
  /** Conversations remembered (default `1000`); the least recently used is forgotten. */
  readonly maxConversations?: number;
  /** Requests kept in `requests` (default `1000`): the most recent ones, a bounded window. */
  readonly maxRequests?: number;
  /**
   * The most memory `requests` keeps, in bytes (default 16 MiB): past it the oldest entries go
   * (the last request is always kept).
   */
  readonly maxRequestLogBytes?: number;
  /**
   * The most memory the conversations remembered keep, in bytes (default 8 MiB; each turn keeps
   * at most 4096 characters of its prompt and of its reply): past it the least recently used are
   * forgotten.
   */
  readonly maxConversationBytes?: number;
  /** A fault for every request that has neither an injected fault nor an `x-emulator-fault` header. */
  readonly fault?: Fault;
  /** Prompts longer than this are refused with 413 (default: no limit); see `promptLimit.ts`. */
  readonly promptLimit?: PromptLimit;
}

/**
 * A running emulator.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator();
 * const provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint });
 * emulator.injectFault({ kind: 'ban' }); // the next request is refused in band
 * await emulator.close();
 * ```
 */
export interface Emulator {
  /** `http://host:port`. */
  readonly url: string;
  /** `${url}/api/generateStream`. */
  readonly apiEndpoint: string;
  /** The last `maxRequests` requests received, oldest first (CORS preflights excluded). */
  readonly requests: ReadonlyArray<EmulatorRequest>;
  /** Applies a fault to the next request (faults queue up, one per request). */
  readonly injectFault: (fault: Fault) => void;
  /** The conversations remembered, least recently used first. */
  readonly conversations: () => ReadonlyArray<string>;
  /** Connections open right now. */
  readonly openConnections: () => number;
  /** Stops listening, ends every connection and timer; resolves when every socket is closed. */
  readonly close: () => Promise<void>;
}

/**
 * The path the service answers on.
 *
 * @example
 * ```ts
 * new URL(apiPath, emulator.url).href === emulator.apiEndpoint; // true
 * ```
 */
export const apiPath = '/api/generateStream';

/** The options with defaults filled, or what is wrong with them. */
interface Settings {
  readonly reply: ReplyFunction;
  readonly pieceChars: number;
  readonly delayMs: number;
  readonly maxBodyBytes: number;
  readonly maxConversations: number;
  readonly maxConversationBytes: number;
  readonly maxRequests: number;
  readonly maxRequestLogBytes: number;
  readonly fault: Fault | undefined;
  readonly promptLimit: PromptLimit | undefined;
}

const positiveInteger = (name: string, u: number | undefined, fallback: number): E.Either<string, number> =>
  u === undefined
    ? E.right(fallback)
    : Number.isSafeInteger(u) && u > 0
      ? E.right(u)
      : E.left(`${name} must be a positive integer, got ${String(u)}`);

const settingsOf = (options: EmulatorOptions): E.Either<string, Settings> =>
  pipe(
    E.Do,
    E.apS('maxRequests', positiveInteger('maxRequests', options.maxRequests, 1000)),
    E.apS(
      'maxRequestLogBytes',
      positiveInteger('maxRequestLogBytes', options.maxRequestLogBytes, defaultMaxRequestLogBytes),
    ),
    E.apS(
      'maxConversationBytes',
      positiveInteger('maxConversationBytes', options.maxConversationBytes, defaultMaxConversationBytes),
    ),
    E.apS(
      'fault',
      options.fault === undefined
        ? E.right(undefined)
        : pipe(
            parseFault(options.fault),
            E.mapLeft((why) => `fault: ${why}`),
          ),
    ),
    E.map(({ maxRequests, maxRequestLogBytes, maxConversationBytes, fault }) => ({
      reply: options.reply ?? defaultReply,
      pieceChars: Math.max(1, options.pieceChars ?? 4),
      delayMs: Math.max(0, options.delayMs ?? 15),
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      maxConversations: Math.max(1, options.maxConversations ?? 1000),
      maxConversationBytes,
      maxRequests,
      maxRequestLogBytes,
      fault,
      promptLimit: options.promptLimit,
    })),
  );

/** What the request handler works with. */
interface Context {
  readonly settings: Settings;
  readonly log: RequestLog;
  readonly store: ConversationStore;
  readonly timers: Timers;
  /** Faults injected for the next requests, one each. */
  readonly faults: Array<Fault>;
}

/** The reason a request is refused before its body is read (400/404), or undefined. */
const refusalOf = (req: http.IncomingMessage): E.Either<readonly [number, string], Fault | undefined> => {
  const path = (req.url ?? '').split('?')[0] ?? '';
  if (path !== apiPath) return E.left([404, `no such path: ${path}; the service answers POST ${apiPath}`]);
  if (req.method !== 'POST') return E.left([400, `method must be POST, got ${req.method ?? ''}`]);
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? ''))
    return E.left([400, 'content-type must be application/json']);
  const header = req.headers['x-emulator-fault'];
  return typeof header === 'string'
    ? pipe(
        faultFromHeader(header),
        E.mapLeft((why): readonly [number, string] => [400, `x-emulator-fault: ${why}`]),
      )
    : E.right(undefined);
};

/** Reads the body up to `maxBodyBytes` (past it: 413, and `onBody` is never called). */
const readBody = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  context: Context,
  onBody: (bytes: Uint8Array) => void,
): void => {
  const chunks: Array<Buffer> = [];
  let size = 0;
  let tooLarge = false;
  const limit = context.settings.maxBodyBytes;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
    else if (!tooLarge) {
      tooLarge = true;
      context.log.record(req, 413);
      plain(res, 413, `the body is larger than ${limit} bytes`, { connection: 'close' });
    }
  });
  req.on('end', () => {
    if (!tooLarge) onBody(Buffer.concat(chunks));
  });
};

/** Answers a valid payload: the reply for its conversation, the turn remembered afterwards. */
const answerPayload = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  context: Context,
  payload: EmulatorPayload,
  fault: Fault | undefined,
): void => {
  const { settings, store } = context;
  const refused = promptRefusal(settings.promptLimit, payload.prompt);
  if (refused !== undefined) {
    context.log.record(req, refused.status, payload, fault);
    plain(res, refused.status, refused.body);
    return;
  }
  const history = payload.withoutContext ? [] : store.turns(payload.userId);
  const reply = settings.reply(payload.prompt, { system: payload.system, userId: payload.userId, history });
  context.log.record(req, fault?.kind === 'status' ? fault.status : 200, payload, fault);
  answer(
    req,
    res,
    {
      timers: context.timers,
      pieceChars: settings.pieceChars,
      delayMs: settings.delayMs,
      reply,
      remember: (received) => {
        if (!payload.withoutContext) store.append(payload.userId, { prompt: payload.prompt, reply: received });
      },
    },
    fault,
  );
};

/** The emulator's request handler: preflight, routing and validation, then the answer. */
const handlerOf =
  (context: Context) =>
  (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, corsHeaders);
      res.end();
      return;
    }
    const refusal = refusalOf(req);
    if (E.isLeft(refusal)) {
      const [status, why] = refusal.left;
      req.resume();
      context.log.record(req, status);
      plain(res, status, why);
      return;
    }
    readBody(req, res, context, (bytes) => {
      const payload = parsePayload(bytes);
      if (E.isLeft(payload)) {
        context.log.record(req, 400);
        plain(res, 400, payload.left);
        return;
      }
      answerPayload(
        req,
        res,
        context,
        payload.right,
        refusal.right ?? context.faults.shift() ?? context.settings.fault,
      );
    });
  };

const listen = (server: http.Server, port: number, host: string): Promise<string> =>
  new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve(`http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`);
    });
  });

/** Closes the server: timers cleared, every socket destroyed; resolves once each has closed. */
const closeAll = async (server: http.Server, sockets: ReadonlySet<Socket>, timers: Timers): Promise<void> => {
  timers.clear();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A socket leaves the set on its 'close' event, so every one still in it has yet to emit it.
  const open = [...sockets].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
  for (const socket of sockets) socket.destroy();
  await Promise.all([closed, ...open]);
};

/**
 * Starts an emulator of the Yqcloud service on loopback. Invalid options (a `fault` that is not
 * one, a `maxRequests` that is not a positive integer) reject with a `TypeError`.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ delayMs: 0 });
 * console.log(emulator.apiEndpoint); // 'http://127.0.0.1:41234/api/generateStream'
 * await emulator.close();
 * ```
 */
export const startEmulator = async (options: EmulatorOptions = {}): Promise<Emulator> => {
  const settings = settingsOf(options);
  if (E.isLeft(settings)) throw new TypeError(`startEmulator: ${settings.left}`);
  const context: Context = {
    settings: settings.right,
    log: createRequestLog(settings.right.maxRequests, settings.right.maxRequestLogBytes),
    store: createConversationStore(settings.right.maxConversations, settings.right.maxConversationBytes),
    timers: createTimers(),
    faults: [],
  };
  const sockets = new Set<Socket>();
  const server = http.createServer(handlerOf(context));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const url = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');

  return {
    url,
    apiEndpoint: `${url}${apiPath}`,
    requests: context.log.entries,
    injectFault: (fault) => {
      const checked = parseFault(fault);
      if (E.isLeft(checked)) throw new TypeError(`injectFault: ${checked.left}`);
      context.faults.push(checked.right);
    },
    conversations: context.store.userIds,
    openConnections: () => sockets.size,
    close: () => closeAll(server, sockets, context.timers),
  };
};
