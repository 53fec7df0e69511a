import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import axios from 'axios';
import { lastValueFrom, toArray } from 'rxjs';
import { createAgentPool, type AgentPool } from '../../lib/http/agents.js';
import { axiosTransport } from '../../lib/http/axiosTransport.js';
import type { HttpRequest, ResponseEvent } from '../../lib/http/transport.js';
import { collect } from '../support/collect.js';
import { startLoopbackServer, within, writePieces, type LoopbackServer } from '../support/loopbackServer.js';

const request = (url: string, body = '{"prompt":"Hi"}'): HttpRequest => ({
  url,
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-test': '1' },
  body,
});

const bodyText = (events: ReadonlyArray<ResponseEvent>): string =>
  events.flatMap((e) => (e.type === 'body' ? [Buffer.from(e.data).toString('utf8')] : [])).join('');

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

  it('POSTs the body and headers as given, then emits the head and the body pieces', async () => {
    server = await startLoopbackServer((_req, res) =>
      writePieces(res, ['one', 'two'], { 'x-reply': 'yes', 'Retry-After': '3' }),
    );
    const events = await lastValueFrom(axiosTransport({ agents: pool })(request(server.endpoint)).pipe(toArray()));
    expect(server.requests[0]).to.deep.include({ method: 'POST', url: '/api/generateStream', body: '{"prompt":"Hi"}' });
    expect(server.requests[0]?.headers).to.include({ 'content-type': 'application/json', 'x-test': '1' });
    expect(events[0]).to.deep.include({ type: 'head', status: 200 });
    expect(events[0]?.type === 'head' && events[0].headers).to.include({ 'x-reply': 'yes', 'retry-after': '3' });
    expect(events.slice(1).filter((e) => e.type !== 'body')).to.deep.equal([]);
    expect(bodyText(events)).to.equal('onetwo');
  });

  it('sends a JSON body unchanged, byte for byte (no axios re-serialisation)', async () => {
    server = await startLoopbackServer((_req, res) => res.end('ok'));
    const body = '{"prompt":"你好 👋","n":1}';
    await lastValueFrom(axiosTransport({ agents: pool })(request(server.endpoint, body)).pipe(toArray()));
    expect(server.requests[0]?.body).to.equal(body);
    expect(server.requests[0]?.headers['content-length']).to.equal(String(Buffer.byteLength(body)));
  });

  it('emits a redirect’s head without following it', async () => {
    const target = await startLoopbackServer((_req, res) => res.end('followed'));
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(307, { location: target.endpoint });
      res.end();
    });
    const events = await lastValueFrom(axiosTransport({ agents: pool })(request(server.endpoint)).pipe(toArray()));
    expect(events[0]).to.deep.include({ type: 'head', status: 307 });
    expect(target.requests).to.have.length(0);
    await target.close();
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

  it('unsubscribing before the response arrives closes the socket', async () => {
    server = await startLoopbackServer(() => {});
    const arrived = server.requestReceived();
    const subscription = axiosTransport({ agents: pool })(request(server.endpoint)).subscribe();
    await arrived;
    const closed = server.socketClosed();
    subscription.unsubscribe();
    expect(await within(closed, 500)).to.not.equal('deadline');
  });

  it('the pool’s destroy closes idle kept-alive sockets', async () => {
    server = await startLoopbackServer((_req, res) => res.end('ok'));
    await lastValueFrom(axiosTransport({ agents: pool })(request(server.endpoint)).pipe(toArray()));
    expect(server.closedConnections).to.equal(0);
    const closed = server.socketClosed();
    pool.destroy();
    expect(await within(closed, 500)).to.not.equal('deadline');
  });

  it('a body delimited by the connection closing (no length, no chunks) completes normally', async () => {
    const raw = net.createServer((socket) => {
      socket.once('data', () =>
        socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nuntil close'),
      );
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const { port } = raw.address() as AddressInfo;
    const { values, error, completed } = await collect(
      axiosTransport({ agents: pool })(request(`http://127.0.0.1:${port}/`)),
    );
    await new Promise<void>((resolve) => raw.close(() => resolve()));
    expect(error).to.equal(undefined);
    expect({ completed }).to.deep.equal({ completed: true });
    expect(bodyText(values)).to.equal('until close');
  });

  it('a connection closed before the body ended is ECONNRESET', async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('short', () => res.socket?.destroy());
    });
    const { values, error } = await collect(axiosTransport({ agents: pool })(request(server.endpoint)));
    expect(bodyText(values)).to.equal('short');
    expect(error).to.include({ kind: 'Network', code: 'ECONNRESET' });
  });
});
