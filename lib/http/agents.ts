/**
 * The connection pools of a provider: one keep-alive agent per target protocol, and one per
 * proxy URL, so sequential requests reuse a connection instead of opening a new one.
 *
 * @module
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
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
 * How the pools are built.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * const options: AgentPoolOptions = { keepAlive: true, ca: readFileSync('ca.pem', 'utf8') };
 * ```
 */
export interface AgentPoolOptions {
  /** Keep idle connections open for the next request (default `true`). */
  readonly keepAlive: boolean;
  /** An extra trusted CA (PEM), added to Node's root certificates. */
  readonly ca?: string | Uint8Array | undefined;
}

/**
 * The agents to hand to a request, and a way to close every pooled socket.
 *
 * @example
 * ```ts
 * const pool = createAgentPool({ keepAlive: true });
 * const agent = pool.agentFor(new URL('http://127.0.0.1:8080/'), undefined);
 * pool.destroy(); // when no request uses it any more
 * ```
 */
export interface AgentPool {
  /** The agent for a target URL, through `proxy` when given. */
  readonly agentFor: (target: URL, proxy: ProxyConfig | undefined) => http.Agent;
  /**
   * Closes every socket of every agent, in-flight ones included (their requests fail with a
   * `Network` error), so nothing outlives the pool.
   */
  readonly destroy: () => void;
}

/**
 * A pool of keep-alive agents, with proxy agents made on first use and kept per proxy URL.
 *
 * @example
 * ```ts
 * const pool = createAgentPool({ keepAlive: true });
 * const agent = pool.agentFor(new URL('https://api.binjie.fun/'), undefined);
 * ```
 */
export const createAgentPool = (options: AgentPoolOptions): AgentPool => {
  const ca = options.ca === undefined ? undefined : [...tls.rootCertificates, Buffer.from(options.ca).toString('utf8')];
  const common = { keepAlive: options.keepAlive, scheduling: 'lifo' as const };
  const tlsOptions = ca === undefined ? {} : { ca };
  const direct = {
    http: new http.Agent(common),
    https: new https.Agent({ ...common, ...tlsOptions }),
  };
  const proxied = new Map<string, http.Agent>();

  const proxyAgent = (secureTarget: boolean, proxy: ProxyConfig): http.Agent => {
    const key = `${secureTarget ? 'https' : 'http'} ${proxy.url}`;
    const cached = proxied.get(key);
    if (cached !== undefined) return cached;
    const agent = proxy.protocol.startsWith('socks')
      ? new SocksProxyAgent(proxy.url, { ...common, ...tlsOptions })
      : secureTarget
        ? new TunnelAgent(proxy.url, { ...common, ...tlsOptions }, tlsOptions)
        : new HttpProxyAgent(proxy.url, { ...common, ...tlsOptions });
    proxied.set(key, agent);
    return agent;
  };

  return {
    agentFor: (target, proxy) => {
      const secure = target.protocol === 'https:';
      if (proxy !== undefined) return proxyAgent(secure, proxy);
      return secure ? direct.https : direct.http;
    },
    destroy: () => {
      direct.http.destroy();
      direct.https.destroy();
      for (const agent of proxied.values()) agent.destroy();
      proxied.clear();
    },
  };
};
