/**
 * The proxy agents (HTTP, HTTPS through a CONNECT tunnel, SOCKS). Loaded by the agent pool only
 * when a request names a proxy: the three packages are costly to import (docs/benchmarks.md).
 *
 * @module
 */
import type * as http from 'node:http';
import type * as tls from 'node:tls';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { SocksProxyAgent } from 'socks-proxy-agent';
import type { ProxyConfig } from '../core/proxy.js';

type TunnelAgentOptions = ConstructorParameters<typeof HttpsProxyAgent<string>>[1];
type ConnectOptions = Parameters<HttpsProxyAgent<string>['connect']>[1];

/**
 * An `HttpsProxyAgent` whose TLS session with the *target* (inside the CONNECT tunnel) also
 * trusts the extra CA: the package applies its options to the proxy connection only.
 */
class TunnelAgent extends HttpsProxyAgent<string> {
  readonly #targetTls: tls.ConnectionOptions;

  constructor(proxy: string, options: TunnelAgentOptions, targetTls: tls.ConnectionOptions) {
    super(proxy, options);
    this.#targetTls = targetTls;
  }

  override connect(req: http.ClientRequest, opts: ConnectOptions): ReturnType<HttpsProxyAgent<string>['connect']> {
    return super.connect(req, { ...opts, ...this.#targetTls } as ConnectOptions);
  }
}

/**
 * What every agent of a pool shares.
 */
export interface AgentCommon {
  readonly keepAlive: boolean;
  readonly scheduling: 'lifo';
  /** The pool's TLS options (its extra CA), for the proxy connection and the target's. */
  readonly tls: tls.ConnectionOptions;
}

/**
 * A new agent that reaches a target (`https:` when `secureTarget`) through `proxy`.
 *
 * @example
 * ```ts
 * const proxy: ProxyConfig = {
 *   protocol: 'socks5', url: 'socks5://127.0.0.1:1080', redacted: 'socks5://127.0.0.1:1080',
 *   host: '127.0.0.1', port: 1080, credentials: undefined,
 * };
 * const agent = proxyAgent(true, proxy, { keepAlive: true, scheduling: 'lifo', tls: {} }); // a SocksProxyAgent
 * ```
 */
export const proxyAgent = (secureTarget: boolean, proxy: ProxyConfig, common: AgentCommon): http.Agent => {
  const options = { keepAlive: common.keepAlive, scheduling: common.scheduling, ...common.tls };
  return proxy.protocol.startsWith('socks')
    ? new SocksProxyAgent(proxy.url, options)
    : secureTarget
      ? new TunnelAgent(proxy.url, options, common.tls)
      : new HttpProxyAgent(proxy.url, options);
};
