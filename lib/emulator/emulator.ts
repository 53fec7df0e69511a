/**
 * A loopback server that speaks the Yqcloud wire protocol: it validates requests as the service
 * does, keeps per-conversation context, streams deterministic replies in pieces with chunked
 * transfer, and misbehaves on request.
 *
 * @module
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { abnormalTrafficPrefix, banPrefix } from '../index.js';
import { createConversationStore } from './conversations.js';
import { faultFromHeader, parseFault, type Fault } from './fault.js';
import { promptRefusal, type PromptLimit } from './promptLimit.js';
import { defaultReply, type ReplyFunction } from './reply.js';

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
  /** A fault for every request that has neither an injected fault nor an `x-emulator-fault` header. */
  readonly fault?: Fault;
  /** Prompts longer than this are refused with 413 (default: no limit); see `promptLimit.ts`. */
  readonly promptLimit?: PromptLimit;
}

/**
 * The body the service expects.
 *
 * @example
 * ```ts
 * const body: EmulatorPayload = { prompt: 'Hi', userId: '#/chat/1', network: true, system: '', withoutContext: false, stream: true };
 * ```
 */
export interface EmulatorPayload {
  readonly prompt: string;
  readonly userId: string;
  readonly network: boolean;
  readonly system: string;
  readonly withoutContext: boolean;
  readonly stream: boolean;
}

/**
 * A request the emulator received.
 *
 * @example
 * ```ts
 * const last: EmulatorRequest | undefined = emulator.requests.at(-1);
 * console.log(last?.payload?.prompt, last?.status);
 * ```
 */
export interface EmulatorRequest {
  readonly method: string;
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed body when it was valid. */
  readonly payload: EmulatorPayload | undefined;
  /** The status the emulator answered (200 also for in-band faults). */
  readonly status: number;
  /** The fault applied to this request, if any. */
  readonly fault: Fault | undefined;
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
  /** Every request received, in order (CORS preflights excluded). */
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

const corsHeaders: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'content-type, accept, accept-language, x-emulator-fault',
  // A page on another origin sees only safelisted response headers unless told otherwise.
  'access-control-expose-headers': 'retry-after',
  'access-control-max-age': '600',
};

const payloadKeys: ReadonlyArray<readonly [keyof EmulatorPayload, 'string' | 'boolean']> = [
  ['prompt', 'string'],
  ['userId', 'string'],
  ['network', 'boolean'],
  ['system', 'string'],
  ['withoutContext', 'boolean'],
  ['stream', 'boolean'],
];

/**
 * Checks a parsed body: the six keys of the protocol with their types, and nothing else.
 *
 * @example
 * ```ts
 * validatePayload({ prompt: 'Hi' }); // 'missing key "userId"'
 * ```
 */
export const validatePayload = (u: unknown): EmulatorPayload | string => {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return 'the body must be a JSON object';
  const body = u as Record<string, unknown>;
  for (const [key, type] of payloadKeys) {
    if (!(key in body)) return `missing key "${key}"`;
    if (typeof body[key] !== type) return `"${key}" must be a ${type}`;
  }
  const extra = Object.keys(body).find((key) => !payloadKeys.some(([known]) => known === key));
  return extra === undefined ? (body as unknown as EmulatorPayload) : `unknown key "${extra}"`;
};

const headerRecord = (req: http.IncomingMessage): Record<string, string> =>
  Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]),
  );

/** The pieces of a text, `pieceChars` code points each (never splitting a character). */
const piecesOf = (text: string, pieceChars: number): ReadonlyArray<string> => {
  const chars = [...text];
  const out: Array<string> = [];
  for (let i = 0; i < chars.length; i += pieceChars) out.push(chars.slice(i, i + pieceChars).join(''));
  return out;
};

/**
 * Starts an emulator of the Yqcloud service on loopback.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ delayMs: 0 });
 * console.log(emulator.apiEndpoint); // 'http://127.0.0.1:41234/api/generateStream'
 * await emulator.close();
 * ```
 */
export const startEmulator = async (options: EmulatorOptions = {}): Promise<Emulator> => {
  const reply = options.reply ?? defaultReply;
  const pieceChars = Math.max(1, options.pieceChars ?? 4);
  const delayMs = Math.max(0, options.delayMs ?? 15);
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const standingFault = options.fault === undefined ? undefined : parseFault(options.fault);
  if (typeof standingFault === 'string') throw new TypeError(`startEmulator: fault: ${standingFault}`);
  const store = createConversationStore(Math.max(1, options.maxConversations ?? 1000));
  const requests: Array<EmulatorRequest> = [];
  const faults: Array<Fault> = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, run: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const record = (req: http.IncomingMessage, status: number, payload?: EmulatorPayload, fault?: Fault): void => {
    requests.push({
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0] ?? '',
      headers: headerRecord(req),
      payload,
      status,
      fault,
    });
  };

  const plain = (res: http.ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void => {
    res.writeHead(status, { ...corsHeaders, 'content-type': 'text/plain; charset=utf-8', ...extra });
    res.end(text);
  };

  /** Writes pieces one by one, `gapMs` apart; stops when the client goes away. */
  const stream = (
    res: http.ServerResponse,
    pieces: ReadonlyArray<string | Uint8Array>,
    gapMs: number,
    onPiece: (index: number) => 'go' | 'stop',
  ): void => {
    let index = 0;
    const next = (): void => {
      if (res.destroyed || res.writableEnded) return;
      if (index >= pieces.length) {
        res.end();
        return;
      }
      if (onPiece(index) === 'stop') return;
      res.write(pieces[index]);
      index++;
      later(gapMs, next);
    };
    next();
  };

  const answer = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    payload: EmulatorPayload,
    fault: Fault | undefined,
  ): void => {
    const refused = promptRefusal(options.promptLimit, payload.prompt);
    if (refused !== undefined) {
      record(req, refused.status, payload, fault);
      plain(res, refused.status, refused.body);
      return;
    }
    const history = payload.withoutContext ? [] : store.turns(payload.userId);
    const text = reply(payload.prompt, { system: payload.system, userId: payload.userId, history });
    const remember = (): void => {
      if (!payload.withoutContext) store.append(payload.userId, { prompt: payload.prompt, reply: text });
    };
    const status = fault?.kind === 'status' ? fault.status : 200;
    record(req, status, payload, fault);

    switch (fault?.kind) {
      case 'ban':
        return plain(res, 200, `${banPrefix}, ip: ${req.socket.remoteAddress ?? 'unknown'}`);
      case 'abnormal-traffic':
        return plain(res, 200, `${abnormalTrafficPrefix}，请尝试更换网络环境`);
      case 'html':
        res.writeHead(200, { ...corsHeaders, 'content-type': 'text/html; charset=utf-8' });
        res.end(
          '<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>',
        );
        return;
      case 'status':
        return plain(
          res,
          fault.status,
          `emulated status ${fault.status}`,
          fault.retryAfterS === undefined ? {} : { 'retry-after': String(fault.retryAfterS) },
        );
      case 'hang':
        if (fault.phase === 'before-headers') return;
        res.writeHead(200, { ...corsHeaders, 'content-type': 'text/plain; charset=utf-8' });
        res.flushHeaders();
        if (fault.phase === 'before-body') return;
        res.write(piecesOf(text, pieceChars)[0] ?? '');
        return;
      default:
        break;
    }

    res.writeHead(200, { ...corsHeaders, 'content-type': 'text/plain; charset=utf-8' });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    if (fault?.kind === 'split-utf8') {
      const bytes = Buffer.from(text, 'utf8');
      const single = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
      stream(res, single, 1, () => 'go');
      res.once('finish', remember);
      return;
    }
    const pieces = piecesOf(text, pieceChars);
    const gap = fault?.kind === 'slow' ? fault.delayMs : delayMs;
    let sent = 0;
    stream(res, pieces, gap, (index) => {
      if (fault?.kind === 'reset' && sent >= fault.afterChars) {
        res.socket?.resetAndDestroy();
        return 'stop';
      }
      sent += [...(pieces[index] ?? '')].length;
      return 'go';
    });
    res.once('finish', remember);
  };

  const server = http.createServer((req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, corsHeaders);
      res.end();
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    if (path !== apiPath) {
      req.resume();
      record(req, 404);
      return plain(res, 404, `no such path: ${path ?? ''}; the service answers POST ${apiPath}`);
    }
    if (req.method !== 'POST') {
      req.resume();
      record(req, 400);
      return plain(res, 400, `method must be POST, got ${req.method ?? ''}`);
    }
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      req.resume();
      record(req, 400);
      return plain(res, 400, 'content-type must be application/json');
    }
    const headerFault = req.headers['x-emulator-fault'];
    const parsedHeaderFault = typeof headerFault === 'string' ? faultFromHeader(headerFault) : undefined;
    if (typeof parsedHeaderFault === 'string') {
      req.resume();
      record(req, 400);
      return plain(res, 400, `x-emulator-fault: ${parsedHeaderFault}`);
    }

    const chunks: Array<Buffer> = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        if (!tooLarge) {
          tooLarge = true;
          record(req, 413);
          plain(res, 413, `the body is larger than ${maxBodyBytes} bytes`, { connection: 'close' });
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        record(req, 400);
        return plain(res, 400, 'the body is not valid JSON');
      }
      const payload = validatePayload(parsed);
      if (typeof payload === 'string') {
        record(req, 400);
        return plain(res, 400, payload);
      }
      answer(req, res, payload, parsedHeaderFault ?? faults.shift() ?? standingFault);
    });
  });

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  return {
    url,
    apiEndpoint: `${url}${apiPath}`,
    requests,
    injectFault: (fault) => {
      const checked = parseFault(fault);
      if (typeof checked === 'string') throw new TypeError(`injectFault: ${checked}`);
      faults.push(checked);
    },
    conversations: store.userIds,
    openConnections: () => sockets.size,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A socket leaves the set on its 'close' event, so every one still in it has yet to emit it.
      const open = [...sockets].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
      for (const socket of sockets) socket.destroy();
      await Promise.all([closed, ...open]);
    },
  };
};
