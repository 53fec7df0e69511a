/**
 * A transport that the provider can also drive without an Observable in between: the built-in
 * Node transport hands each piece of the body straight to the reply (one call per piece from the
 * socket's `data` event to the reply's subscriber), while every other caller sees an ordinary
 * {@link Transport}.
 *
 * @module
 */
import { Observable } from '#rx';
import type { HttpRequest, ResponseEvent, Transport } from './transport.js';

/**
 * Where a transport delivers a response's events; an RxJS `Subscriber` is one.
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
 */
export type OpenExchange = (request: HttpRequest, sink: EventSink) => (() => void) | undefined;

const openKey = Symbol('yqcloud-rx.openExchange');

/**
 * A {@link Transport} over `open`, which {@link directOpen} gives back.
 */
export const directTransport = (open: OpenExchange): Transport =>
  Object.assign((request: HttpRequest) => new Observable<ResponseEvent>((subscriber) => open(request, subscriber)), {
    [openKey]: open,
  });

/**
 * The exchange behind a transport made by {@link directTransport}; `undefined` for any other
 * transport (the provider subscribes to those).
 */
export const directOpen = (transport: Transport): OpenExchange | undefined => {
  const open: unknown = (transport as { readonly [openKey]?: unknown })[openKey];
  return typeof open === 'function' ? (open as OpenExchange) : undefined;
};
