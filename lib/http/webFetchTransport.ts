/**
 * A transport over the Web `fetch` itself (the global one, or one the caller gives): no axios, no
 * Node-only import, so it runs in browsers, Node 20, Deno and Bun alike. The relay client sends
 * with it.
 *
 * @module
 */
import { Observable } from '#rx';
import { invalidRequest, YqcloudError } from '../core/error.js';
import { redactUrl } from '../core/redact.js';
import { checkRequestHeaders } from './requestHeaders.js';
import { bodyReader } from './bodyReader.js';
import { toNetworkError } from './toNetworkError.js';
import type { ResponseEvent, Transport } from './transport.js';

/**
 * The `fetch` a transport calls: the global one's signature.
 *
 * @example
 * ```ts
 * const logged: FetchFunction = (input, init) => fetch(input, init);
 * ```
 */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

const headersOf = (response: Response): Readonly<Record<string, string>> => {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
};

/**
 * The URL `fetch` is given and the headers it sends: `fetch` refuses a URL with credentials, so
 * they go as basic authorization instead (as axios sends them), unless the request has an
 * `authorization` header of its own; `undefined` when the credentials' %-escapes are broken.
 */
const withoutUserinfo = (
  url: string,
  headers: Readonly<Record<string, string>>,
): { readonly url: string; readonly headers: Record<string, string> } | undefined => {
  const copy: Record<string, string> = { ...headers };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, headers: copy };
  }
  if (parsed.username === '' && parsed.password === '') return { url, headers: copy };
  let credentials: string;
  try {
    credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  } catch {
    return undefined;
  }
  parsed.username = '';
  parsed.password = '';
  if (!Object.keys(copy).some((name) => name.toLowerCase() === 'authorization'))
    copy.authorization = `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(credentials)))}`;
  return { url: parsed.href, headers: copy };
};

/**
 * A transport that POSTs with `fetch`, streams the body as it arrives, never follows a redirect
 * (a redirect's head has its 3xx status, or `0` where the browser hides it), sends a URL's
 * credentials as basic authorization, and aborts the fetch when unsubscribed. A request with
 * `proxy` fails with `InvalidRequest`: `fetch` cannot choose one.
 */
export const webFetchTransport =
  (given?: FetchFunction): Transport =>
  (request) =>
    new Observable<ResponseEvent>((subscriber) => {
      if (request.proxy !== undefined) {
        subscriber.error(invalidRequest('proxy', 'fetch cannot use a proxy of its own'));
        return;
      }
      const headers = checkRequestHeaders(request.headers);
      if (headers instanceof YqcloudError) {
        subscriber.error(headers);
        return;
      }
      const target = withoutUserinfo(request.url, headers);
      if (target === undefined) {
        subscriber.error(
          invalidRequest('url', `the URL's credentials are not well %-encoded: ${redactUrl(request.url)}`),
        );
        return;
      }
      // Called unbound: a browser's fetch refuses any `this` but the window (or none).
      const send: FetchFunction = given ?? ((input, init) => fetch(input, init));
      const controller = new AbortController();
      const body = bodyReader(subscriber);

      Promise.resolve()
        .then(() =>
          // A null prototype: fetch reads every RequestInit member it knows, inherited ones too.
          send(
            target.url,
            Object.assign(Object.create(null) as RequestInit, {
              method: request.method,
              headers: target.headers,
              ...(request.method === 'POST' ? { body: request.body } : {}),
              signal: controller.signal,
              redirect: 'manual',
              cache: 'no-store',
            } satisfies RequestInit),
          ),
        )
        .then((response) => {
          if (subscriber.closed) return;
          subscriber.next({
            type: 'head',
            status: response.type === 'opaqueredirect' ? 0 : response.status,
            headers: headersOf(response),
          });
          return body.read(response.body);
        })
        .catch((e: unknown) => {
          body.settle();
          if (!subscriber.closed) subscriber.error(toNetworkError(e));
        });

      return () => body.cancel(controller);
    });
