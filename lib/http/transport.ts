/**
 * The seam between the provider and the network: a transport turns one HTTP request into
 * an observable of response events. The provider owns everything above it (status mapping,
 * decoding, in-band detection); a transport only moves bytes.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import type { HeaderRecord } from '../core/headers.js';
import type { ProxyConfig } from '../core/proxy.js';

/**
 * One POST the provider wants sent.
 *
 * @example
 * ```ts
 * const request: HttpRequest = { url, method: 'POST', headers: {}, body: '{}' };
 * ```
 */
export interface HttpRequest {
  readonly url: string;
  /** `POST` for the service and the relay; a relay client also resumes (`GET`) and stops (`DELETE`). */
  readonly method: 'POST' | 'GET' | 'DELETE';
  readonly headers: HeaderRecord;
  /** The JSON body, already serialised (`''`, and not sent, for `GET` and `DELETE`). */
  readonly body: string;
  /** The proxy to send through; absent: a direct connection. */
  readonly proxy?: ProxyConfig | undefined;
}

/**
 * The status line and headers of a response (header names in lower case).
 *
 * @example
 * ```ts
 * const head: ResponseHead = { type: 'head', status: 200, headers: { 'content-type': 'text/plain' } };
 * ```
 */
export interface ResponseHead {
  readonly type: 'head';
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * A piece of the response body, as it came off the wire. The provider copies what it keeps (for
 * `partialText`) before the next event, so a transport may reuse the buffer afterwards.
 *
 * @example
 * ```ts
 * const piece: ResponseBody = { type: 'body', data: new TextEncoder().encode('Hel') };
 * ```
 */
export interface ResponseBody {
  readonly type: 'body';
  readonly data: Uint8Array | string;
}

/**
 * What a transport emits: one head, then body pieces, then completion.
 *
 * @example
 * ```ts
 * const events: ReadonlyArray<ResponseEvent> = [
 *   { type: 'head', status: 200, headers: {} },
 *   { type: 'body', data: 'Hi' },
 * ];
 * ```
 */
export type ResponseEvent = ResponseHead | ResponseBody;

/**
 * Sends a request when subscribed; unsubscribing aborts it and releases its socket.
 * Errors should be `YqcloudError`s of kind `Network`; anything else is wrapped as one.
 *
 * @example
 * ```ts
 * const echo: Transport = (request) =>
 *   of<ResponseEvent[]>({ type: 'head', status: 200, headers: {} }, { type: 'body', data: request.body });
 * ```
 */
export type Transport = (request: HttpRequest) => Observable<ResponseEvent>;
