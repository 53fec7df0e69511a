/**
 * The connection pools of a provider: one keep-alive agent per target protocol, and one per
 * proxy URL, so sequential requests reuse a connection instead of opening a new one.
 *
 * @module
 */
import * as http from 'node:http';
import type * as Https from 'node:https';
import type * as Tls from 'node:tls';
import type { ProxyConfig } from '../core/proxy.js';
import { lazyBuiltin } from './builtin.js';
import { ownSocketOptions } from './nodeRequest.js';

const https = lazyBuiltin<typeof Https>('node:https');
const tls = lazyBuiltin<typeof Tls>('node:tls');

/**
 * How the pools are built.
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
 * const agent = pool.agentFor(new URL('http://127.0.0.1:8080/'));
 * pool.destroy(); // when no request uses it any more
 * ```
 */
export interface AgentPool {
  /** The agent for a target URL, without a proxy. */
  readonly agentFor: (target: URL) => http.Agent;
  /**
   * The agent for a target URL through `proxy`, made on first use (the proxy agents' modules are
   * loaded then) and kept per proxy URL.
   */
  readonly proxyAgentFor: (target: URL, proxy: ProxyConfig) => Promise<http.Agent>;
  /**
   * Closes every socket of every agent, in-flight ones included (their requests fail with a
   * `Network` error), so nothing outlives the pool.
   */
  readonly destroy: () => void;
}

/**
 * A pool of keep-alive agents, with proxy agents made on first use and kept per proxy URL (their
 * modules are imported only then: a provider that never uses a proxy never loads them).
 */
export const createAgentPool = (options: AgentPoolOptions): AgentPool => {
  const common = { keepAlive: options.keepAlive, scheduling: 'lifo' as const };
  let tlsOptions: Tls.ConnectionOptions | undefined;
  const tlsOptionsNow = (): Tls.ConnectionOptions => {
    tlsOptions ??=
      options.ca === undefined ? {} : { ca: [...tls().rootCertificates, Buffer.from(options.ca).toString('utf8')] };
    return tlsOptions;
  };
  const plain = ownSocketOptions(new http.Agent(common));
  let tlsAgent: Https.Agent | undefined;
  const proxied = new Map<string, Promise<http.Agent>>();
  // Bumped by destroy: an agent whose modules were still loading then is closed once it exists.
  let generation = 0;

  return {
    agentFor: (target) => {
      if (target.protocol !== 'https:') return plain;
      tlsAgent ??= ownSocketOptions(new (https().Agent)({ ...common, ...tlsOptionsNow() }));
      return tlsAgent;
    },
    proxyAgentFor: (target, proxy) => {
      const secure = target.protocol === 'https:';
      const key = `${secure ? 'https' : 'http'} ${proxy.url}`;
      const cached = proxied.get(key);
      if (cached !== undefined) return cached;
      const madeIn = generation;
      const made = import('./proxyAgents.js').then(({ proxyAgent }) => {
        const agent = proxyAgent(secure, proxy, { ...common, tls: tlsOptionsNow() });
        if (madeIn !== generation) agent.destroy();
        return agent;
      });
      proxied.set(key, made);
      return made;
    },
    destroy: () => {
      plain.destroy();
      tlsAgent?.destroy();
      generation++;
      for (const agent of proxied.values()) void agent.then((a) => a.destroy());
      proxied.clear();
    },
  };
};
