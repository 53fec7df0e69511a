/**
 * A transport that the provider can also drive without an Observable in between: the built-in
 * Node transport hands each piece of the body straight to the reply (one call per piece from the
 * socket's `data` event to the reply's subscriber), while every other caller sees an ordinary
 * {@link Transport}.
 *
 * @module
 */
import { Observable } from 'rxjs';
import type { HttpRequest, ResponseEvent, Transport } from './transport.js';

/**
 * Where a transport delivers a response's events; an RxJS `Subscriber` is one.
 *
 * @example
 * ```ts
 * const sink: EventSink = { next: console.log, error: console.error, complete: () => undefined, closed: false };
 * ```
 */
export interface EventSink {
  readonly next: (event: ResponseEvent) => void;
  readonly error: (error: unknown) => void;
  readonly complete: () => void;
  /** True once the sink has errored or completed, or its consumer has left. */
  readonly closed: boolean;
}

/**
 * Sends `request`, delivering its events to `sink`; returns what aborts it (when anything is
 * left to abort).
 *
 * @example
 * ```ts
 * const open: OpenExchange = (request, sink) => { sink.error(new Error('offline')); return undefined; };
 * ```
 */
export type OpenExchange = (request: HttpRequest, sink: EventSink) => (() => void) | undefined;

const openKey = Symbol('yqcloud-rx.openExchange');

/**
 * A {@link Transport} over `open`, which {@link directOpen} gives back.
 *
 * @example
 * ```ts
 * const transport = directTransport((request, sink) => { sink.complete(); return undefined; });
 * ```
 */
export const directTransport = (open: OpenExchange): Transport =>
  Object.assign((request: HttpRequest) => new Observable<ResponseEvent>((subscriber) => open(request, subscriber)), {
    [openKey]: open,
  });

/**
 * The exchange behind a transport made by {@link directTransport}; `undefined` for any other
 * transport (the provider subscribes to those).
 *
 * @example
 * ```ts
 * const open = directOpen(transport);
 * ```
 */
export const directOpen = (transport: Transport): OpenExchange | undefined => {
  const open: unknown = (transport as { readonly [openKey]?: unknown })[openKey];
  return typeof open === 'function' ? (open as OpenExchange) : undefined;
};
