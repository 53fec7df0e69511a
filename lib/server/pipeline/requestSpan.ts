/**
 * A `SERVER` span per request, after OpenTelemetry's HTTP server conventions, the child of the
 * caller's span when the request carries a W3C `traceparent` (read with the propagator the
 * application registered). Only with a tracer: then `@opentelemetry/api` is imported, once, for
 * its propagation and context; without one nothing of it is loaded. The `traceparent` is read,
 * never passed on: the requests to the service are the provider's own.
 *
 * @module
 */
import type { TelemetrySpan, TelemetryTracer } from '../../index.js';

type OpenTelemetryApi = typeof import('@opentelemetry/api');

let loadingApi: Promise<OpenTelemetryApi | undefined> | undefined;

/** The API, imported on first use; `undefined` if it cannot be (the reply then goes on without a parent). */
const openTelemetryApi = (): Promise<OpenTelemetryApi | undefined> => {
  loadingApi ??= import('@opentelemetry/api').then(
    (api) => api,
    () => undefined,
  );
  return loadingApi;
};

/**
 * What the pipeline tells a request's span.
 *
 * @example
 * ```ts
 * const answered = (span: RequestSpan): void => {
 *   span.status(200);
 *   span.end();
 * };
 * ```
 */
export interface RequestSpan {
  /** The answer's status code: `http.response.status_code`; 5xx is an error (`error.type` the code). */
  readonly status: (code: number) => void;
  /** Ends the span (once; later calls do nothing). */
  readonly end: () => void;
}

/**
 * The request as the span needs it (the pipeline's `GuardRequest` fits).
 */
export interface SpannedRequest {
  readonly method: string;
  /** The path and query, or the whole URL; only the path is recorded. */
  readonly url: string;
  readonly headers: Headers;
}

const knownMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

const pathOf = (url: string): string => {
  const path = URL.canParse(url) ? new URL(url).pathname : (url.split('?')[0] ?? '');
  return path.split('#')[0] ?? '';
};

const noSpan: RequestSpan = { status: () => undefined, end: () => undefined };

const spanOf = (span: TelemetrySpan): RequestSpan => {
  let ended = false;
  return {
    status: (code) => {
      if (ended) return;
      span.setAttributes({ 'http.response.status_code': code });
      if (code >= 500) {
        span.setAttributes({ 'error.type': String(code) });
        span.setStatus({ code: 2 });
      }
    },
    end: () => {
      if (ended) return;
      ended = true;
      span.end();
    },
  };
};

/**
 * What a route tells its requests' spans: its name (`yqcloud.route`), and its path template
 * (`http.route`, and the span's name) when it has one of its own.
 */
export interface SpanRoute {
  readonly name: string;
  readonly route?: string | undefined;
}

/**
 * Runs `handle` inside the request's `SERVER` span (active, so the provider's `chat` span is its
 * child), named `<method> <route>` (`<method>` for a route without a template of its own, such
 * as the relay, which answers on any path), with `http.request.method`, `url.path`, `http.route`
 * (when known) and `yqcloud.route`. No tracer: `handle` runs with a span that records nothing. Neither a header
 * value nor the query, the identity or the body is recorded.
 *
 * @example
 * ```ts
 * const answer = (view: SpannedRequest) =>
 *   inRequestSpan(tracer, view, { name: 'relay' }, async (span) => {
 *     span.status(200);
 *     span.end();
 *   });
 * ```
 */
export const inRequestSpan = async <T>(
  tracer: TelemetryTracer | undefined,
  view: SpannedRequest,
  route: SpanRoute,
  handle: (span: RequestSpan) => Promise<T>,
): Promise<T> => {
  if (tracer === undefined) return handle(noSpan);
  const api = await openTelemetryApi();
  const method = knownMethods.has(view.method) ? view.method : '_OTHER';
  const start = (): Promise<T> =>
    tracer.startActiveSpan(
      `${method === '_OTHER' ? 'HTTP' : method}${route.route === undefined ? '' : ` ${route.route}`}`,
      {
        kind: 1,
        attributes: {
          'http.request.method': method,
          'url.path': pathOf(view.url),
          ...(route.route === undefined ? {} : { 'http.route': route.route }),
          'yqcloud.route': route.name,
        },
      },
      (span) => handle(spanOf(span)),
    );
  if (api === undefined) return start();
  const parent = api.propagation.extract(api.context.active(), view.headers, {
    get: (carrier, key) => carrier.get(key) ?? undefined,
    keys: (carrier) => [...carrier.keys()],
  });
  return api.context.with(parent, start);
};
