/**
 * The transport a provider uses unless told otherwise: axios over pooled Node agents.
 *
 * @module
 */
import type { AxiosInstance } from 'axios';
import { throwError } from '#rx';
import * as E from '#fp-ts/Either.js';
import { checkCaCertificates } from './caCertificates.js';
import { createAgentPool } from './agents.js';
import { axiosTransport } from './axiosTransport.js';
import type { Transport } from './transport.js';

/**
 * A transport with its connection pool, and a way to close the pool.
 */
export interface OwnedTransport {
  readonly transport: Transport;
  /** Closes the pool's connections, in-flight ones included. */
  readonly destroy: () => void;
  /** Whether requests go out from a browser (where some headers are the browser's to set). */
  readonly inBrowser: boolean;
}

/**
 * What the default transport is built from.
 */
export interface DefaultTransportOptions {
  readonly axios: AxiosInstance | undefined;
  readonly ca: string | Uint8Array | undefined;
  readonly keepAlive: boolean;
}

/**
 * The Node transport: axios with `responseType: 'stream'` over keep-alive agents. A `ca` that is
 * not X.509 certificates makes every request fail with `InvalidRequest` before connecting.
 */
export const createDefaultTransport = (options: DefaultTransportOptions): OwnedTransport => {
  const ca = options.ca === undefined ? E.right(undefined) : checkCaCertificates(options.ca);
  if (E.isLeft(ca)) {
    const refused = ca.left;
    return { transport: () => throwError(() => refused), destroy: () => {}, inBrowser: false };
  }
  const agents = createAgentPool({ keepAlive: options.keepAlive, ca: ca.right });
  return { transport: axiosTransport({ axios: options.axios, agents }), destroy: agents.destroy, inBrowser: false };
};
