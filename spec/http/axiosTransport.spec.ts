import { expect } from 'chai';
import axios from 'axios';
import { lastValueFrom, toArray } from 'rxjs';
import { createAgentPool, type AgentPool } from '../../lib/http/agents.js';
import { axiosTransport } from '../../lib/http/axiosTransport.js';
import type { HttpRequest } from '../../lib/http/transport.js';
import { collect } from '../support/collect.js';
import { startLoopbackServer, within, type LoopbackServer } from '../support/loopbackServer.js';

const request = (url: string, body = '{"prompt":"Hi"}'): HttpRequest => ({
  url,
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-test': '1' },
  body,
});

/** What only the axios transport does (the rest of its contract: spec/http/transports.contract.spec.ts). */
describe('http/axiosTransport', () => {
  let server: LoopbackServer | undefined;
  let pool: AgentPool;

  beforeEach(() => {
    pool = createAgentPool({ keepAlive: true });
  });
  afterEach(async () => {
    pool.destroy();
    await server?.close();
    server = undefined;
  });

  it('goes through the given axios instance, its interceptors included', async () => {
    server = await startLoopbackServer((_req, res) => res.end('ok'));
    const instance = axios.create();
    instance.interceptors.request.use((config) => {
      config.headers.set('x-intercepted', 'yes');
      return config;
    });
    await lastValueFrom(axiosTransport({ agents: pool, axios: instance })(request(server.endpoint)).pipe(toArray()));
    expect(server.requests[0]?.headers['x-intercepted']).to.equal('yes');
  });

  it('an axios instance that answers without a Node stream (fetch adapter, an interceptor replacing data) fails with InvalidRequest', async () => {
    server = await startLoopbackServer((_req, res) => res.end('ok'));
    const replacing = axios.create();
    replacing.interceptors.response.use((response) => ({ ...response, data: 'replaced' }));
    for (const instance of [axios.create({ adapter: 'fetch' }), replacing]) {
      const outcome = await within(
        collect(axiosTransport({ agents: pool, axios: instance })(request(server.endpoint))),
        5000,
      );
      expect(outcome).to.not.equal('deadline');
      expect(outcome !== 'deadline' && outcome.values).to.deep.equal([]);
      expect(outcome !== 'deadline' && outcome.error).to.include({ kind: 'InvalidRequest', path: 'axios' });
    }
  });

  it('a bad URL is a Network error and nothing is sent', async () => {
    const { error } = await collect(axiosTransport({ agents: pool })(request('http://user:pw@[bad')));
    expect(error).to.include({ kind: 'Network', code: 'ERR_INVALID_URL' });
    expect((error as Error).message).to.not.include('pw');
  });

  it('the pool’s destroy closes idle kept-alive sockets', async () => {
    server = await startLoopbackServer((_req, res) => res.end('ok'));
    await lastValueFrom(axiosTransport({ agents: pool })(request(server.endpoint)).pipe(toArray()));
    expect(server.closedConnections).to.equal(0);
    const closed = server.socketClosed();
    pool.destroy();
    expect(await within(closed, 500)).to.not.equal('deadline');
  });
});
