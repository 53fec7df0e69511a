/**
 * A transport on Node's own `node:http` and `node:https`, without axios: the same contract as the
 * axios transport (redirects refused, a final 1xx settled, strict decompression, the proxy
 * agents, an extra CA that adds to Node's roots, cancellation that closes the socket) for less
 * CPU and memory per request, and nothing more to import than Node's built-ins.
 *
 * @module
 */
import type * as http from 'node:http';
import type { Duplex } from 'node:stream';
import * as E from '#fp-ts/Either.js';
import { invalidRequest, networkError, YqcloudError } from '../core/error.js';
import { redactUrl } from '../core/redact.js';
import { ownSnapshot } from '../core/snapshot.js';
import { createAgentPool, type AgentPool } from './agents.js';
import { checkCaCertificates } from './caCertificates.js';
import { directTransport, type EventSink, type OpenExchange } from './directTransport.js';
import { relayBody, type BodyRelay } from './nodeResponse.js';
import { checkRequestHeaders } from './requestHeaders.js';
import { nodeRequest } from './nodeRequest.js';
import { toNetworkError } from './toNetworkError.js';
import type { ResponseHead, Transport } from './transport.js';
import type { HeaderRecord } from '../core/headers.js';

/**
 * How a {@link nodeTransport} connects. Every option is optional.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * const options: NodeTransportOptions = { ca: readFileSync('ca.pem', 'utf8'), keepAlive: true };
 * ```
 */
export interface NodeTransportOptions {
  /** An extra trusted CA certificate (PEM), added to Node's roots. Verification stays on. */
  readonly ca?: string | Uint8Array | undefined;
  /** Reuse connections between requests (default `true`). */
  readonly keepAlive?: boolean | undefined;
}

/**
 * A {@link Transport} with its own connection pool, and a way to close it.
 *
 * @example
 * ```ts
 * const transport: NodeTransport = nodeTransport();
 * transport.destroy();
 * ```
 */
export interface NodeTransport extends Transport {
  /**
   * Closes the pool's connections, in-flight ones included (their replies fail with a `Network`
   * error); a later request opens new ones.
   */
  readonly destroy: () => void;
}

const optionKeys: ReadonlySet<string> = new Set(['ca', 'keepAlive']);

interface Settings {
  readonly ca: string | undefined;
  readonly keepAlive: boolean;
}

const settingsOf = (options: unknown): E.Either<YqcloudError, Settings> => {
  if (options === undefined) return E.right({ ca: undefined, keepAlive: true });
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    return E.left(invalidRequest('', 'node transport options must be an object'));
  const snapshot = ownSnapshot(options);
  if (E.isLeft(snapshot)) return E.left(invalidRequest('', `node transport options ${snapshot.left.message}`));
  const o = snapshot.right as Readonly<Record<string, unknown>>;
  const unknown = Object.keys(o).find((key) => !optionKeys.has(key));
  if (unknown !== undefined)
    return E.left(
      invalidRequest(unknown, `unknown node transport option; the options are ${[...optionKeys].join(', ')}`),
    );
  if (o.keepAlive !== undefined && typeof o.keepAlive !== 'boolean')
    return E.left(invalidRequest('keepAlive', 'expected a boolean'));
  if (o.ca !== undefined && typeof o.ca !== 'string' && !(o.ca instanceof Uint8Array))
    return E.left(invalidRequest('ca', 'expected a PEM certificate string or bytes'));
  const ca = o.ca === undefined ? E.right(undefined) : checkCaCertificates(o.ca);
  return E.isLeft(ca) ? ca : E.right({ ca: ca.right, keepAlive: o.keepAlive ?? true });
};

/** The response's head, its header names in lower case (repeated ones joined), read from its own fields. */
const headOf = (response: http.IncomingMessage): ResponseHead => {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    const before = headers[name];
    headers[name] = before === undefined ? value : `${before}, ${value}`;
  }
  return { type: 'head', status: response.statusCode ?? 0, headers };
};

/** What the requests to one URL share, worked out once. */
interface Target {
  readonly url: URL;
  readonly hostname: string;
  readonly port: number;
  readonly path: string;
  readonly auth: string | undefined;
  /** The `Host` header as Node writes it (an IPv6 address in brackets, a default port left out). */
  readonly host: string;
}

const targetOf = (url: string): Target | YqcloudError => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return networkError('ERR_INVALID_URL', `not a URL: ${redactUrl(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return networkError('ERR_INVALID_PROTOCOL', `not an http: or https: URL: ${redactUrl(url)}`);
  const secure = parsed.protocol === 'https:';
  const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  let auth: string | undefined;
  if (parsed.username !== '' || parsed.password !== '') {
    try {
      auth = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
    } catch {
      return invalidRequest('apiEndpoint', `the URL's credentials are not well %-encoded: ${redactUrl(url)}`);
    }
  }
  return {
    url: parsed,
    hostname,
    port: parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port),
    path: `${parsed.pathname}${parsed.search}`,
    auth,
    host: parsed.host,
  };
};

/**
 * The head of a direct POST to `target` but its `Content-Length`, as name, value, name, value: the
 * headers, then `Host`, `Authorization` (the URL's credentials, unless the headers have one) and
 * `Connection` as Node would add them, in its order. Given as a list, Node writes the head at once, validating each header,
 * instead of keeping a record of them on every request until it is sent.
 */
const fixedHead = (target: Target, headers: HeaderRecord, keepAlive: boolean): ReadonlyArray<string> => {
  const head: Array<string> = [];
  let authorized = false;
  for (const name of Object.keys(headers)) {
    head.push(name, headers[name] as string);
    if (name.toLowerCase() === 'authorization') authorized = true;
  }
  head.push('Host', target.host);
  // As Node does: the URL's credentials only when no Authorization header was given.
  if (target.auth !== undefined && !authorized)
    head.push('Authorization', `Basic ${Buffer.from(target.auth).toString('base64')}`);
  head.push('Connection', keepAlive ? 'keep-alive' : 'close');
  return head;
};

/** The exchange a request's listeners report to: the listeners are shared, `this` is the request. */
const exchangeOf: unique symbol = Symbol('yqcloud-rx.exchange');

type ExchangedRequest = http.ClientRequest & { [exchangeOf]?: Exchange };

function onExchangeResponse(this: ExchangedRequest, response: http.IncomingMessage): void {
  this[exchangeOf]?.responded(response);
}

function onExchangeUpgrade(this: ExchangedRequest, response: http.IncomingMessage, socket: Duplex): void {
  this[exchangeOf]?.upgraded(response, socket);
}

function onExchangeError(this: ExchangedRequest, e: unknown): void {
  this[exchangeOf]?.fail(e);
}

/** One request and its response, aborted by {@link Exchange.abort}. */
class Exchange {
  readonly #sink: EventSink;
  #request: http.ClientRequest | undefined;
  #response: http.IncomingMessage | undefined;
  #relay: BodyRelay | undefined;
  #aborted = false;

  constructor(sink: EventSink) {
    this.#sink = sink;
  }

  send(options: http.RequestOptions, body: string): void {
    if (this.#aborted) return;
    let request: http.ClientRequest;
    try {
      request = nodeRequest(options);
    } catch (e) {
      this.#sink.error(toNetworkError(e));
      return;
    }
    this.#request = request;
    (request as ExchangedRequest)[exchangeOf] = this;
    request.on('response', onExchangeResponse);
    request.on('upgrade', onExchangeUpgrade);
    request.on('error', onExchangeError);
    request.end(body);
    // Node keeps the head it wrote, for the request's life, as the tree of strings it was joined
    // from (about 40 pieces); reading a character of it makes V8 flatten it into one string.
    const written: unknown = (request as { readonly _header?: unknown })._header;
    if (typeof written === 'string') written.charCodeAt(0);
  }

  fail(error: unknown): void {
    if (!this.#sink.closed) this.#sink.error(error instanceof YqcloudError ? error : toNetworkError(error));
  }

  /** A 101 is no reply: its head goes on (the provider maps the status to an error). */
  upgraded(response: http.IncomingMessage, socket: Duplex): void {
    socket.destroy();
    if (this.#sink.closed) return;
    this.#sink.next(headOf(response));
    if (!this.#sink.closed) this.#sink.complete();
  }

  /** The exchange's teardown: {@link abort}. */
  unsubscribe(): void {
    this.abort();
  }

  abort(): void {
    this.#aborted = true;
    const relay = this.#relay;
    relay?.release();
    if (relay?.ended() === true) return;
    const response = this.#response;
    if (response !== undefined && !response.destroyed) {
      response.removeAllListeners('data');
      response.destroy();
    }
    this.#request?.destroy();
  }

  responded(response: http.IncomingMessage): void {
    this.#response = response;
    if (this.#sink.closed) {
      response.destroy();
      return;
    }
    const head = headOf(response);
    this.#sink.next(head);
    // The head may have ended the reply (a redirect): the abort then destroyed the response.
    if (this.#sink.closed || response.destroyed) return;
    this.#relay = relayBody(response, head.headers['content-encoding'], this.#sink);
  }
}

/**
 * A transport on `node:http` / `node:https` with a keep-alive pool: redirects are never followed
 * (their head goes to the provider, which fails with `Http`), a final `101` settles, a compressed
 * body is decoded strictly (cut short: `Network`), a request's `proxy` goes through the same
 * proxy agents as the default transport's (HTTP, HTTPS, SOCKS), `ca` adds to Node's trusted roots,
 * and unsubscribing destroys the socket of a reply still streaming. Nothing Node reads for the
 * request comes from `Object.prototype`, so a polluted one cannot change it; the headers are
 * checked as the provider checks them. Invalid options make every request fail with
 * `InvalidRequest`, before anything is sent.
 *
 * The provider's own `ca` and `keepAlive` options apply to its default transport; give them here
 * instead. Call `destroy()` once the transport is no longer used.
 *
 * @example
 * ```ts
 * import { nodeTransport, YqcloudProvider } from 'yqcloud-rx';
 *
 * const transport = nodeTransport({ keepAlive: true });
 * const provider = new YqcloudProvider({ transport });
 * provider.create({ messages: [{ role: 'user', content: 'Hello' }] }).subscribe(console.log);
 * // later: transport.destroy();
 * ```
 */
export const nodeTransport = (options?: NodeTransportOptions): NodeTransport => {
  const settings = settingsOf(options);
  if (E.isLeft(settings)) {
    const refused = settings.left;
    const open: OpenExchange = (_request, sink) => {
      sink.error(refused);
      return undefined;
    };
    return Object.assign(directTransport(open), { destroy: () => undefined });
  }
  let pool: AgentPool | undefined;
  const poolNow = (): AgentPool => {
    pool ??= createAgentPool({ keepAlive: settings.right.keepAlive, ca: settings.right.ca });
    return pool;
  };
  // A provider sends every request to one endpoint with the same headers: its URL is parsed
  // once, and the fixed part of its head listed once.
  let lastUrl = '';
  let lastTarget: Target | YqcloudError = networkError('ERR_INVALID_URL', 'no URL');
  let lastHeaders: HeaderRecord | undefined;
  let lastHeadTarget: Target | undefined;
  let lastHead: ReadonlyArray<string> = [];

  const open: OpenExchange = (request, sink) => {
    if (request.url !== lastUrl) {
      lastTarget = targetOf(request.url);
      lastUrl = request.url;
    }
    const target = lastTarget;
    if (target instanceof YqcloudError) {
      sink.error(target);
      return undefined;
    }
    const headers = checkRequestHeaders(request.headers);
    if (headers instanceof YqcloudError) {
      sink.error(headers);
      return undefined;
    }
    const exchange = new Exchange(sink);
    const { proxy } = request;
    if (proxy === undefined && request.method === 'POST') {
      // A direct POST: its head as a list Node writes as it is (no header record per request).
      if (headers !== lastHeaders || target !== lastHeadTarget) {
        lastHead = fixedHead(target, headers, settings.right.keepAlive);
        lastHeaders = headers;
        lastHeadTarget = target;
      }
      const head = lastHead.slice();
      head.push('Content-Length', String(Buffer.byteLength(request.body)));
      exchange.send(
        {
          method: 'POST',
          protocol: target.url.protocol,
          hostname: target.hostname,
          port: target.port,
          path: target.path,
          headers: head,
          agent: poolNow().agentFor(target.url),
        },
        request.body,
      );
      return exchange;
    }
    const send = (agent: http.Agent): void =>
      exchange.send(
        {
          method: request.method,
          protocol: target.url.protocol,
          hostname: target.hostname,
          port: target.port,
          path: target.path,
          headers,
          agent,
          ...(target.auth === undefined ? {} : { auth: target.auth }),
        },
        request.method === 'POST' ? request.body : '',
      );
    if (proxy === undefined) send(poolNow().agentFor(target.url));
    else
      poolNow()
        .proxyAgentFor(target.url, proxy)
        .then(send, (e: unknown) => exchange.fail(toNetworkError(e)));
    return exchange;
  };
  return Object.assign(directTransport(open), {
    destroy: () => {
      pool?.destroy();
      pool = undefined;
    },
  });
};
