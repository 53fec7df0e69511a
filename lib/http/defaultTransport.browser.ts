/**
 * The default transport in a browser bundle (chosen by the `browser` condition of
 * `package.json`'s `imports`): axios's `fetch` adapter, no Node-only import. The browser owns
 * connection reuse, TLS trust and the `origin`, `referer` and `user-agent` headers.
 *
 * @module
 */
import { Observable } from '#rx';
import { invalidRequest } from '../core/error.js';
import type { DefaultTransportOptions, OwnedTransport } from './defaultTransport.js';
import { fetchTransport } from './fetchTransport.js';

/**
 * The browser transport: `fetch` through axios; a `ca` option cannot be honoured by a page, so
 * every request then fails with `InvalidRequest`.
 */
export const createDefaultTransport = (options: DefaultTransportOptions): OwnedTransport => ({
  transport:
    options.ca === undefined
      ? fetchTransport({ axios: options.axios })
      : () =>
          new Observable((subscriber) =>
            subscriber.error(invalidRequest('ca', 'a browser trusts its own certificates; `ca` is for Node only')),
          ),
  destroy: () => undefined,
  inBrowser: true,
});
