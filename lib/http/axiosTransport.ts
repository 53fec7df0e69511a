/**
 * The Node transport: axios with `responseType: 'stream'`, one `AbortController` per
 * subscription, redirects never followed, pooled keep-alive connections.
 *
 * @module
 */
import * as http from 'node:http';
import type { IncomingMessage } from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import * as O from '#fp-ts/Option.js';
import { Observable } from 'rxjs';
import { invalidRequest, networkError, type YqcloudError } from '../core/error.js';
import { redactUrl } from '../core/redact.js';
import { toNetworkError } from './toNetworkError.js';
import type { AgentPool } from './agents.js';
import { bodyDecoder, isDecodedEncoding, type BodyDecoder } from './bodyDecoder.js';
import { lowerCaseHeaders } from './responseHeaders.js';
import type { ResponseEvent, Transport } from './transport.js';

/**
 * What the axios transport needs.
 *
 * @example
 * ```ts
 * axiosTransport({ axios: axios.create({ timeout: 0 }), agents: createAgentPool({ keepAlive: true }) });
 * ```
 */
export interface AxiosTransportOptions {
  /** The axios instance to send with (its interceptors and defaults apply). */
  readonly axios?: AxiosInstance | undefined;
  /** Where connections come from. */
  readonly agents: AgentPool;
}

const isNodeStream = (u: unknown): u is IncomingMessage =>
  typeof u === 'object' &&
  u !== null &&
  typeof (u as { on?: unknown }).on === 'function' &&
  typeof (u as { destroy?: unknown }).destroy === 'function';

/** Lets go of a body that is not a Node stream (a web `ReadableStream` is cancelled). */
const release = (u: unknown): void => {
  const cancel = (u as { cancel?: unknown } | null | undefined)?.cancel;
  if (typeof cancel === 'function') Promise.resolve(cancel.call(u)).catch(() => undefined);
};

/** What Node hands over as a final 1xx answer (a 101), carried out of axios's rejection. */
class InformationalAnswer extends Error {
  constructor(
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
  ) {
    super(`the server answered ${status} (switching protocols); no reply follows`);
  }
}

const informationalAnswer = (e: unknown): InformationalAnswer | undefined => {
  let current = e;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof InformationalAnswer) return current;
    current = current.cause;
  }
  return undefined;
};

/**
 * Node's `http`/`https` for axios, with an `upgrade` listener: without one, Node destroys the
 * socket of a `101` answer and the request never settles.
 */
const informationalAware = {
  request: (options: http.RequestOptions, callback: (res: IncomingMessage) => void): http.ClientRequest => {
    const request = (options.protocol === 'https:' ? https : http).request(options, callback);
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

const cutShort = (e: unknown): YqcloudError => {
  const code = (e as { code?: unknown } | null)?.code;
  return networkError(
    typeof code === 'string' && code !== '' ? code : 'Z_DATA_ERROR',
    `the compressed body is cut short or corrupt (${e instanceof Error ? e.message : String(e)})`,
  );
};

const notAStream = (): YqcloudError =>
  invalidRequest(
    'axios',
    'the axios instance answered without a Node stream body (an adapter other than `http`, or a response interceptor that replaced `data`); use the `http` adapter, or the provider option `transport: fetchTransport()`',
  );

/**
 * A transport that sends with axios and streams the body as it arrives. The instance must answer
 * with a Node stream (axios's `http` adapter); otherwise the request fails with `InvalidRequest`
 * (path `axios`).
 *
 * @example
 * ```ts
 * const transport = axiosTransport({ agents: createAgentPool({ keepAlive: true }) });
 * transport(request).subscribe((event) => console.log(event.type));
 * ```
 */
export const axiosTransport =
  (options: AxiosTransportOptions): Transport =>
  (request) =>
    new Observable<ResponseEvent>((subscriber) => {
      const controller = new AbortController();
      const client = options.axios ?? axios;
      let body: IncomingMessage | undefined;
      let decoder: BodyDecoder | undefined;
      let ended = false;
      let target: URL;
      try {
        target = new URL(request.url);
      } catch {
        subscriber.error(networkError('ERR_INVALID_URL', `not a URL: ${redactUrl(request.url)}`));
        return;
      }
      const agent = options.agents.agentFor(target, O.toUndefined(request.proxy));

      client
        .request<IncomingMessage>({
          url: request.url,
          method: 'POST',
          headers: { ...request.headers },
          data: request.body,
          responseType: 'stream',
          signal: controller.signal,
          maxRedirects: 0,
          validateStatus: () => true,
          proxy: false,
          httpAgent: agent,
          httpsAgent: agent,
          maxContentLength: -1,
          maxBodyLength: -1,
          transformRequest: [(data: unknown) => data],
          // Decoded here instead, so that a compressed body cut short is an error.
          decompress: false,
          transport: informationalAware,
        })
        .then(
          (response) => {
            const data: unknown = response.data;
            if (!isNodeStream(data)) {
              release(data);
              controller.abort();
              if (!subscriber.closed) subscriber.error(notAStream());
              return;
            }
            if (subscriber.closed) {
              data.destroy();
              return;
            }
            body = data;
            const head = lowerCaseHeaders(response.headers);
            subscriber.next({ type: 'head', status: response.status, headers: head });
            stream(data, isDecodedEncoding(head['content-encoding']) ? head['content-encoding'] : undefined);
          },
          (e: unknown) => {
            if (subscriber.closed) return;
            const final = informationalAnswer(e);
            if (final === undefined) return subscriber.error(toNetworkError(e));
            // A 101 (or any 1xx Node hands over as a final answer) is no reply: the provider maps
            // the status to an Http error instead of waiting on a socket that was given away.
            subscriber.next({ type: 'head', status: final.status, headers: final.headers });
            subscriber.complete();
          },
        );

      /** Relays the body (decoded when `encoding` says so) and completes once it has closed whole. */
      const stream = (source: IncomingMessage, encoding: string | undefined): void => {
        let closed = false;
        let decodedEnd = encoding === undefined;
        const completeWhenDone = (): void => {
          if (closed && ended && decodedEnd && !subscriber.closed) subscriber.complete();
        };
        const relay = (data: Uint8Array): void => subscriber.next({ type: 'body', data });
        source.on('data', (data: Uint8Array) => {
          if (encoding === undefined) return relay(data);
          if (decoder === undefined) {
            decoder = bodyDecoder(encoding, data);
            decoder?.on('data', relay);
            decoder?.on('error', (e: unknown) => subscriber.error(cutShort(e)));
            decoder?.once('end', () => {
              decodedEnd = true;
              completeWhenDone();
            });
          }
          decoder?.write(data);
        });
        source.once('end', () => {
          ended = true;
          if (decoder === undefined) decodedEnd = true;
          else decoder.end();
        });
        source.on('error', (e: unknown) => subscriber.error(toNetworkError(e)));
        // Completing on 'close' rather than 'end': Node hands a kept-alive socket back to its
        // agent on the tick after 'end', so a request the subscriber starts on completion
        // (`concatMap`, `repeat`) then finds the socket free instead of opening another.
        source.once('close', () => {
          closed = true;
          if (!ended) subscriber.error(networkError('ECONNRESET', 'the connection closed before the reply ended'));
          else completeWhenDone();
        });
      };

      return () => {
        decoder?.removeAllListeners('data');
        decoder?.destroy();
        if (ended) return;
        controller.abort();
        if (body !== undefined && !body.destroyed) {
          body.removeAllListeners('data');
          body.destroy();
        }
      };
    });
