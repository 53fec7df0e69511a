/**
 * Reading a Node response so that every answer settles and no reply is silently cut short: a
 * `101` (which Node hands over as an upgrade) becomes a head the provider maps to an error, and a
 * compressed body is decoded here, strictly (a body cut short fails), instead of by axios.
 *
 * @module
 */
import * as http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type * as Https from 'node:https';
import type { Duplex } from 'node:stream';
import type { AxiosResponse } from 'axios';
import { networkError, type YqcloudError } from '../core/error.js';
import { bodyDecoder, isDecodedEncoding, type BodyDecoder } from './bodyDecoder.js';
import { lowerCaseHeaders } from './responseHeaders.js';
import { toNetworkError } from './toNetworkError.js';
import type { ResponseHead } from './transport.js';
import type { EventSink } from './directTransport.js';
import { lazyBuiltin } from './builtin.js';

const https = lazyBuiltin<typeof Https>('node:https');

/** What Node hands over as a final 1xx answer (a 101), carried out of axios's rejection. */
class InformationalAnswer extends Error {
  constructor(
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
  ) {
    super(`the server answered ${status} (switching protocols); no reply follows`);
  }
}

/**
 * Every option Node's `http.request` reads. Node copies the options it is given onto a plain `{}`
 * before reading them, so an option left out would be read through `Object.prototype`: a polluted
 * `Object.prototype.signal` aborted every request, `setHost: false` dropped the `host` header.
 */
const nodeRequestKeys: ReadonlyArray<string> = [
  '_defaultAgent',
  'agent',
  'auth',
  'createConnection',
  'defaultPort',
  'family',
  'headers',
  'hints',
  'host',
  'hostname',
  'insecureHTTPParser',
  'joinDuplicateHeaders',
  'localAddress',
  'localPort',
  'lookup',
  'maxHeaderSize',
  'method',
  'path',
  'port',
  'protocol',
  'servername',
  'setHost',
  'signal',
  'socketPath',
  'timeout',
  'uniqueHeaders',
];

/**
 * The options, null-prototype, with each key Node reads as an own property (`undefined` when not
 * given), so that none is inherited once Node copies them.
 */
const ownRequestOptions = (options: http.RequestOptions): http.RequestOptions => {
  const own = Object.create(null) as Record<string, unknown>;
  for (const key of nodeRequestKeys)
    own[key] = Object.hasOwn(options, key) ? (options as Record<string, unknown>)[key] : undefined;
  for (const key of Object.keys(options)) own[key] = (options as Record<string, unknown>)[key];
  return own as http.RequestOptions;
};

const ignoreUntilRead = (): void => undefined;

/**
 * Node's `http`/`https` for axios's `transport` option, with an `upgrade` listener: without one,
 * Node destroys the socket of a `101` answer and the request never settles.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 *
 * // A 101 answer rejects (see finalInformational) instead of leaving the request pending.
 * axios.request({ url, method: 'POST', transport: informationalAware, maxRedirects: 0 });
 * ```
 */
export const informationalAware = {
  request: (options: http.RequestOptions, callback: (res: IncomingMessage) => void): http.ClientRequest => {
    const request = (options.protocol === 'https:' ? https() : http).request(ownRequestOptions(options), (res) => {
      // An error before the body's reader listens (Node aborts a response at once when
      // Object.prototype.signal is polluted) would be thrown out of the process: it stays in
      // `res.errored`, which relayBody reports.
      res.on('error', ignoreUntilRead);
      callback(res);
    });
    request.on('upgrade', (res: IncomingMessage, socket: Duplex) => {
      socket.destroy();
      // Node marks the request destroyed once this listener returns, so `destroy(error)` would
      // be a no-op: the error is emitted for axios's own listener instead.
      request.emit(
        'error',
        new InformationalAnswer(res.statusCode ?? 101, lowerCaseHeaders(res.headers as AxiosResponse['headers'])),
      );
    });
    return request;
  },
};

/**
 * The head of a final 1xx answer when axios rejected because of one (see
 * {@link informationalAware}), else `undefined`.
 */
export const finalInformational = (e: unknown): ResponseHead | undefined => {
  let current = e;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof InformationalAnswer)
      return { type: 'head', status: current.status, headers: current.headers };
    current = current.cause;
  }
  return undefined;
};

const cutShort = (e: unknown): YqcloudError => {
  const code = (e as { code?: unknown } | null)?.code;
  return networkError(
    typeof code === 'string' && code !== '' ? code : 'Z_DATA_ERROR',
    `the compressed body is cut short or corrupt (${e instanceof Error ? e.message : String(e)})`,
  );
};

/**
 * A body being relayed: whether it ended, and how to stop relaying it.
 *
 * @example
 * ```ts
 * import { get } from 'node:http';
 *
 * const events$ = new Observable<ResponseEvent>((subscriber) => {
 *   const request = get(url, (body) => {
 *     const relay = relayBody(body, body.headers['content-encoding'], subscriber);
 *     subscriber.add(() => {
 *       relay.release();
 *       if (!relay.ended()) body.destroy(); // unsubscribed mid-body
 *     });
 *   });
 *   return () => request.destroy();
 * });
 * ```
 */
export interface BodyRelay {
  /** The body's last byte arrived. */
  readonly ended: () => boolean;
  /** Stops decoding (the caller destroys the body itself). */
  readonly release: () => void;
}

/**
 * Relays a response body to `sink`: decoded when `contentEncoding` is gzip, x-gzip, deflate or br
 * (a stream cut short fails with `Network`), completing once the body has closed whole (on
 * `close` rather than `end`: Node hands a kept-alive socket back to its agent on the tick after
 * `end`, so a request started on completion finds the socket free).
 *
 * @example
 * ```ts
 * import { get } from 'node:http';
 *
 * get(url, { headers: { 'accept-encoding': 'gzip' } }, (body) => {
 *   relayBody(body, body.headers['content-encoding'], {
 *     next: (event) => console.log(event), // { type: 'body', data: <decoded bytes> }
 *     error: (e) => console.error(e), // a gzip body cut short: YqcloudError Network, code Z_BUF_ERROR
 *     complete: () => console.log('the whole body'),
 *     closed: false,
 *   });
 * });
 * ```
 */
export const relayBody = (body: IncomingMessage, contentEncoding: string | undefined, sink: EventSink): BodyRelay => {
  if (body.destroyed) {
    // Destroyed before it could be read: its close has passed, so waiting for it would hang. (Node
    // aborts every response this way when Object.prototype.signal is polluted: its streams read
    // their options through the prototype.)
    sink.error(
      toNetworkError(body.errored ?? networkError('ECONNRESET', 'the response was destroyed before it was read')),
    );
    return { ended: () => false, release: () => undefined };
  }
  const encoding = isDecodedEncoding(contentEncoding) ? contentEncoding : undefined;
  let decoder: BodyDecoder | undefined;
  let ended = false;
  let closed = false;
  let decodedEnd = encoding === undefined;
  const completeWhenDone = (): void => {
    if (closed && ended && decodedEnd && !sink.closed) sink.complete();
  };
  const relay = (data: Uint8Array): void => sink.next({ type: 'body', data });
  const startDecoder = (first: Uint8Array): BodyDecoder | undefined => {
    const started = bodyDecoder(encoding, first);
    started?.on('data', relay);
    started?.on('error', (e: unknown) => sink.error(cutShort(e)));
    started?.once('end', () => {
      decodedEnd = true;
      completeWhenDone();
    });
    return started;
  };
  // An uncompressed body's pieces go straight from the socket's event to the sink.
  body.on(
    'data',
    encoding === undefined
      ? relay
      : (data: Uint8Array) => {
          decoder ??= startDecoder(data);
          decoder?.write(data);
        },
  );
  body.once('end', () => {
    ended = true;
    if (decoder === undefined) decodedEnd = true;
    else decoder.end();
  });
  body.on('error', (e: unknown) => sink.error(toNetworkError(e)));
  body.once('close', () => {
    closed = true;
    if (!ended) sink.error(networkError('ECONNRESET', 'the connection closed before the reply ended'));
    else completeWhenDone();
  });
  return {
    ended: () => ended,
    release: () => {
      decoder?.removeAllListeners('data');
      decoder?.destroy();
    },
  };
};
