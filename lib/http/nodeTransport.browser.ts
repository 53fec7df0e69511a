/**
 * The browser's stand-in for the Node transport (`#nodeTransport` under the `browser`
 * condition): a page cannot open sockets of its own, so every request fails with `InvalidRequest`
 * before anything is sent. Use `fetchTransport()` (the default in a browser) instead.
 *
 * @module
 */
import { invalidRequest } from '../core/error.js';
import { directTransport } from './directTransport.js';
import type { Transport } from './transport.js';

/**
 * As in Node (see the Node module's doc).
 */
export interface NodeTransportOptions {
  readonly ca?: string | Uint8Array | undefined;
  readonly keepAlive?: boolean | undefined;
}

/**
 * As in Node (see the Node module's doc).
 */
export interface NodeTransport extends Transport {
  readonly destroy: () => void;
}

/**
 * A transport whose every request fails with `InvalidRequest` (path `transport`): `node:http` is
 * not there in a browser.
 */
export const nodeTransport = (_options?: NodeTransportOptions): NodeTransport =>
  Object.assign(
    directTransport((_request, sink) => {
      sink.error(
        invalidRequest('transport', 'nodeTransport() needs Node (node:http); a browser uses fetchTransport()'),
      );
      return undefined;
    }),
    { destroy: () => undefined },
  );
