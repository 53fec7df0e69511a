/**
 * A transport that the provider can also drive without an Observable in between: the Node
 * transports hand the body straight to the reply (one call per arrival of bytes, from the
 * socket's events to the reply's subscriber), while every other caller sees an ordinary
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
  /**
   * A piece of the body, as `next({ type: 'body', data })` delivers it, without an event object
   * per piece (a sink that has it is called with it; an RxJS `Subscriber` has not).
   */
  readonly body?: ((data: Uint8Array) => void) | undefined;
  /**
   * The pieces of the body that arrived together (one read of the socket; two or more, `bytes`
   * in all), in order; a sink without it is handed them joined, as one piece.
   */
  readonly bodyRead?: ((pieces: ReadonlyArray<Uint8Array>, bytes: number) => void) | undefined;
}

/**
 * What aborts an open exchange: a function, or an object whose `unsubscribe` does (as RxJS takes
 * a teardown); `undefined` when nothing is left to abort.
 */
export type ExchangeAbort = (() => void) | { readonly unsubscribe: () => void } | undefined;

/**
 * Sends `request`, delivering its events to `sink`; returns what aborts it.
 */
export type OpenExchange = (request: HttpRequest, sink: EventSink) => ExchangeAbort;

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
