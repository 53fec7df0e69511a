/**
 * Reading a Node response so that every answer settles and no reply is silently cut short: a
 * `101` (which Node hands over as an upgrade) becomes a head the provider maps to an error, and a
 * compressed body is decoded here, strictly (a body cut short fails), instead of by axios.
 *
 * @module
 */
import type * as http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AxiosResponse } from 'axios';
import { networkError, type YqcloudError } from '../core/error.js';
import { bodyDecoder, isDecodedEncoding, type BodyDecoder } from './bodyDecoder.js';
import { lowerCaseHeaders } from './responseHeaders.js';
import { toNetworkError } from './toNetworkError.js';
import type { ResponseHead } from './transport.js';
import type { EventSink } from './directTransport.js';
import { nodeRequest } from './nodeRequest.js';

/** What Node hands over as a final 1xx answer (a 101), carried out of axios's rejection. */
class InformationalAnswer extends Error {
  constructor(
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
  ) {
    super(`the server answered ${status} (switching protocols); no reply follows`);
  }
}

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
    const request = nodeRequest(options, (res) => {
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
 * The pieces that arrive together go on together: Node's parser hands over every HTTP chunk of
 * one socket read synchronously, and they are passed on once that read is done (in a microtask
 * queued by the first of them, or at once when the body ends, fails or closes first), as one
 * piece or through `sink.bodyRead`. Nothing is passed on once the relay is released or the sink
 * closed.
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
  return new Relay(body, isDecodedEncoding(contentEncoding) ? contentEncoding : undefined, sink);
};

/** The relay a body's listeners report to: the listeners are shared, `this` is the body. */
const relayOf: unique symbol = Symbol('yqcloud-rx.relay');

type RelayedBody = IncomingMessage & { [relayOf]?: Relay };

function onRelayedData(this: RelayedBody, data: Uint8Array): void {
  this[relayOf]?.data(data);
}

function onRelayedEnd(this: RelayedBody): void {
  this[relayOf]?.end();
}

function onRelayedError(this: RelayedBody, e: unknown): void {
  this[relayOf]?.fail(e);
}

function onRelayedClose(this: RelayedBody): void {
  this[relayOf]?.close();
}

/**
 * One body being relayed: one object of state, linked from the body, and four listeners every
 * body shares (thousands of replies may be open at once; closures per reply would each hold a
 * context of their own, and `once` a wrapper).
 */
class Relay implements BodyRelay {
  readonly #sink: EventSink;
  readonly #encoding: string | undefined;
  #decoder: BodyDecoder | undefined;
  #ended = false;
  #closed = false;
  #decodedEnd: boolean;
  /** The first piece of the arrival being gathered (`undefined`: none pending). */
  #first: Uint8Array | undefined;
  /** Every piece of the arrival, once it has two or more. */
  #pieces: Array<Uint8Array> | undefined;
  #pendingBytes = 0;
  #released = false;
  /** The flush queued at the first piece of an arrival: one closure per body, not per arrival. */
  readonly #flushQueued = (): void => this.flush();

  constructor(body: IncomingMessage, encoding: string | undefined, sink: EventSink) {
    this.#sink = sink;
    this.#encoding = encoding;
    this.#decodedEnd = encoding === undefined;
    (body as RelayedBody)[relayOf] = this;
    body.on('data', onRelayedData);
    // 'end' and 'close' come once; `on` needs no wrapper.
    body.on('end', onRelayedEnd);
    body.on('error', onRelayedError);
    body.on('close', onRelayedClose);
  }

  /** A piece of the body: an uncompressed one is gathered for the sink at once. */
  data(data: Uint8Array): void {
    if (this.#encoding !== undefined) this.#decode(data);
    else this.gather(data);
  }

  /** A piece for the sink, passed on with the others of its arrival. */
  gather(data: Uint8Array): void {
    if (this.#released || data.byteLength === 0) return;
    if (this.#first === undefined) {
      this.#first = data;
      this.#pendingBytes = data.byteLength;
      queueMicrotask(this.#flushQueued);
      return;
    }
    if (this.#pieces === undefined) this.#pieces = [this.#first, data];
    else this.#pieces.push(data);
    this.#pendingBytes += data.byteLength;
  }

  /** Passes on what arrived together (before the body's end, error or close is handled). */
  flush(): void {
    const first = this.#first;
    if (first === undefined) return;
    const pieces = this.#pieces;
    const bytes = this.#pendingBytes;
    this.#first = this.#pieces = undefined;
    this.#pendingBytes = 0;
    const sink = this.#sink;
    if (this.#released || sink.closed) return;
    if (pieces === undefined) {
      if (sink.body === undefined) sink.next({ type: 'body', data: first });
      else sink.body(first);
    } else if (sink.bodyRead === undefined) sink.next({ type: 'body', data: Buffer.concat(pieces, bytes) });
    else sink.bodyRead(pieces, bytes);
  }

  end(): void {
    this.flush();
    if (this.#ended) return;
    this.#ended = true;
    if (this.#decoder === undefined) this.#decodedEnd = true;
    else this.#decoder.end();
  }

  fail(e: unknown): void {
    this.flush();
    this.#sink.error(toNetworkError(e));
  }

  close(): void {
    this.flush();
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#ended) this.#sink.error(networkError('ECONNRESET', 'the connection closed before the reply ended'));
    else this.#completeWhenDone();
  }

  ended(): boolean {
    return this.#ended;
  }

  release(): void {
    this.#released = true;
    this.#first = this.#pieces = undefined;
    this.#decoder?.removeAllListeners('data');
    this.#decoder?.destroy();
  }

  #decode(data: Uint8Array): void {
    if (this.#decoder === undefined) {
      const decoder = bodyDecoder(this.#encoding, data);
      if (decoder === undefined) return;
      const sink = this.#sink;
      decoder.on('data', (decoded: Uint8Array) => this.gather(decoded));
      decoder.on('error', (e: unknown) => {
        this.flush();
        sink.error(cutShort(e));
      });
      decoder.once('end', () => {
        this.flush();
        this.#decodedEnd = true;
        this.#completeWhenDone();
      });
      this.#decoder = decoder;
    }
    this.#decoder.write(data);
  }

  #completeWhenDone(): void {
    if (this.#closed && this.#ended && this.#decodedEnd && !this.#sink.closed) this.#sink.complete();
  }
}
