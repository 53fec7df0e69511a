/**
 * The browser transport: axios's `fetch` adapter with a streamed body (`ReadableStream`), one
 * `AbortController` per subscription, redirects never followed. It runs wherever `fetch` does
 * (browsers, Node 20), with no Node-only import.
 *
 * @module
 */
import type { AxiosInstance } from 'axios';
import { Observable } from '#rx';
import { httpError, invalidRequest, YqcloudError } from '../core/error.js';
import { checkRequestHeaders } from './requestHeaders.js';
import { bodyReader } from './bodyReader.js';
import { toNetworkError } from './toNetworkError.js';
import { lowerCaseHeaders } from './responseHeaders.js';
import type { HttpRequest, ResponseEvent, Transport } from './transport.js';

/**
 * What the fetch transport needs.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * const options: FetchTransportOptions = { axios: axios.create({ headers: { 'x-trace': '1' } }) };
 * ```
 */
export interface FetchTransportOptions {
  /** The axios instance to send with (its interceptors and defaults apply); its adapter is set to `fetch`. */
  readonly axios?: AxiosInstance | undefined;
}

/**
 * The request's headers for axios. Its fetch adapter adds `User-Agent: axios/<version>` to a
 * request without one; a browser that lets scripts set that header (Firefox) would send it, and
 * a cross-origin call would then need the server to allow it in preflight. `false` tells axios
 * to send none, so the browser's own stays.
 */
const withoutAxiosUserAgent = (headers: HttpRequest['headers']): Record<string, string | false> =>
  Object.keys(headers).some((name) => name.toLowerCase() === 'user-agent')
    ? { ...headers }
    : { ...headers, 'user-agent': false };

/**
 * A transport over `fetch`: proxies cannot be chosen by a page, so a request with `proxy`
 * fails with `InvalidRequest` before anything is sent.
 *
 * @example
 * ```ts
 * const provider = new YqcloudProvider({ transport: fetchTransport() });
 * ```
 */
export const fetchTransport =
  (options: FetchTransportOptions = {}): Transport =>
  (request) =>
    new Observable<ResponseEvent>((subscriber) => {
      if (request.proxy !== undefined) {
        subscriber.error(
          invalidRequest('proxy', 'a proxy cannot be used from a browser (fetch); the browser chooses its own'),
        );
        return;
      }
      const headers = checkRequestHeaders(request.headers);
      if (headers instanceof YqcloudError) {
        subscriber.error(headers);
        return;
      }
      const controller = new AbortController();
      const body = bodyReader(subscriber);

      // axios is imported on the first request, as in the Node transport: importing the library
      // (which exports this transport) must not load it.
      (options.axios === undefined ? import('axios').then((module) => module.default) : Promise.resolve(options.axios))
        .then((client) =>
          client.request<ReadableStream<Uint8Array>>({
            url: request.url,
            method: request.method,
            headers: withoutAxiosUserAgent(headers),
            ...(request.method === 'POST' ? { data: request.body } : {}),
            adapter: 'fetch',
            responseType: 'stream',
            signal: controller.signal,
            maxRedirects: 0,
            validateStatus: () => true,
            maxContentLength: -1,
            maxBodyLength: -1,
            transformRequest: [(data: unknown) => data],
          }),
        )
        .then((response) => {
          if (subscriber.closed) return;
          if (response.status === 0) {
            body.settle();
            subscriber.error(httpError(0, '', undefined, 'redirect not followed'));
            return;
          }
          subscriber.next({ type: 'head', status: response.status, headers: lowerCaseHeaders(response.headers) });
          return body.read(response.data as ReadableStream<Uint8Array> | null | undefined);
        })
        .catch((e: unknown) => {
          if (!subscriber.closed) subscriber.error(toNetworkError(e));
        });

      return () => body.cancel(controller);
    });
