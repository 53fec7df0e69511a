/**
 * The Node transport: axios with `responseType: 'stream'`, one `AbortController` per
 * subscription, redirects never followed, pooled keep-alive connections.
 *
 * @module
 */
import type { Agent, IncomingMessage } from 'node:http';
import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import { invalidRequest, networkError, YqcloudError } from '../core/error.js';
import type { HeaderRecord } from '../core/headers.js';
import { redactUrl } from '../core/redact.js';
import { toNetworkError } from './toNetworkError.js';
import type { AgentPool } from './agents.js';
import { finalInformational, informationalAware, relayBody, type BodyRelay } from './nodeResponse.js';
import { checkRequestHeaders } from './requestHeaders.js';
import { lowerCaseHeaders } from './responseHeaders.js';
import { directTransport } from './directTransport.js';
import type { HttpRequest, Transport } from './transport.js';

/**
 * What the axios transport needs.
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

const notAStream = (): YqcloudError =>
  invalidRequest(
    'axios',
    'the axios instance answered without a Node stream body (an adapter other than `http`, or a response ' +
      'interceptor that replaced `data`); use the `http` adapter, or the provider option `transport: fetchTransport()`',
  );

/**
 * axios's default instance, imported on the first request that needs it: its import is costly
 * (docs/benchmarks.md), which a program that imports the library without sending (or sends
 * through another transport or instance) need not pay.
 */
let loadedAxios: AxiosInstance | undefined;
let loadingAxios: Promise<AxiosInstance> | undefined;
const loadAxios = (): Promise<AxiosInstance> => {
  loadingAxios ??= import('axios').then((module) => {
    loadedAxios = module.default;
    return loadedAxios;
  });
  return loadingAxios;
};

/** What every request of the transport sets the same way, built once. */
const fixedConfig = {
  method: 'POST',
  responseType: 'stream',
  maxRedirects: 0,
  validateStatus: () => true,
  proxy: false,
  maxContentLength: -1,
  maxBodyLength: -1,
  transformRequest: [(data: unknown) => data],
  // Decoded by relayBody instead, so that a compressed body cut short is an error.
  decompress: false,
  transport: informationalAware,
} as const satisfies AxiosRequestConfig;

const configFor = (
  request: HttpRequest,
  headers: HeaderRecord,
  signal: AbortSignal,
  agent: Agent,
): AxiosRequestConfig => ({
  ...fixedConfig,
  url: request.url,
  headers: { ...headers },
  method: request.method,
  ...(request.method === 'POST' ? { data: request.body } : {}),
  signal,
  httpAgent: agent,
  httpsAgent: agent,
});

/**
 * A transport that sends with axios and streams the body as it arrives. The instance must answer
 * with a Node stream (axios's `http` adapter); otherwise the request fails with `InvalidRequest`
 * (path `axios`).
 */
export const axiosTransport = (options: AxiosTransportOptions): Transport => {
  // A provider sends every request to one endpoint: its URL is parsed once.
  let lastUrl = '';
  let lastTarget: URL | undefined;
  const parse = (url: string): URL => {
    if (url !== lastUrl || lastTarget === undefined) {
      lastTarget = new URL(url);
      lastUrl = url;
    }
    return lastTarget;
  };
  return directTransport((request, subscriber) => {
    const controller = new AbortController();
    const client = options.axios ?? loadedAxios;
    let body: IncomingMessage | undefined;
    let relay: BodyRelay | undefined;
    let target: URL;
    try {
      target = parse(request.url);
    } catch {
      subscriber.error(networkError('ERR_INVALID_URL', `not a URL: ${redactUrl(request.url)}`));
      return undefined;
    }
    const headers = checkRequestHeaders(request.headers);
    if (headers instanceof YqcloudError) {
      subscriber.error(headers);
      return undefined;
    }
    const { proxy } = request;
    const send = (client: AxiosInstance, agent: Agent): Promise<AxiosResponse<IncomingMessage>> =>
      controller.signal.aborted
        ? Promise.reject(new Error('aborted before it was sent'))
        : client.request<IncomingMessage>(configFor(request, headers, controller.signal, agent));
    const answer =
      client !== undefined && proxy === undefined
        ? send(client, options.agents.agentFor(target))
        : Promise.all([
            client ?? loadAxios(),
            proxy === undefined ? options.agents.agentFor(target) : options.agents.proxyAgentFor(target, proxy),
          ]).then(([client, agent]) => send(client, agent));

    answer.then(
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
        const headers = lowerCaseHeaders(response.headers);
        subscriber.next({ type: 'head', status: response.status, headers });
        relay = relayBody(data, headers['content-encoding'], subscriber);
      },
      (e: unknown) => {
        if (subscriber.closed) return;
        // A 101 is no reply: its head goes on, and the provider maps the status to an error.
        const final = finalInformational(e);
        if (final === undefined) subscriber.error(toNetworkError(e));
        else {
          subscriber.next(final);
          subscriber.complete();
        }
      },
    );

    return () => {
      relay?.release();
      if (relay?.ended() === true) return;
      controller.abort();
      if (body !== undefined && !body.destroyed) {
        body.removeAllListeners('data');
        body.destroy();
      }
    };
  });
};
