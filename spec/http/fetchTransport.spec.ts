/**
 * The fetch transport (the browser's) on Node's own `fetch`, against a loopback server: what it
 * puts on the wire. The browser specs (spec/browser/) run it in Chromium.
 */
import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';
import { fetchTransport } from '../../lib/http/fetchTransport.js';
import type { HttpRequest } from '../../lib/http/transport.js';
import { startLoopbackServer, type LoopbackServer } from '../support/loopbackServer.js';

const request = (url: string, headers: HttpRequest['headers']): HttpRequest => ({
  url,
  method: 'POST',
  headers,
  body: '{"prompt":"你好"}',
});

describe('http/fetchTransport (on Node’s fetch)', () => {
  let server: LoopbackServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends the body byte for byte and the headers as given, adding no user-agent of axios’s', async () => {
    server = await startLoopbackServer((_req, res) => res.end('ok'));
    await lastValueFrom(
      fetchTransport()(request(server.endpoint, { 'content-type': 'application/json', 'x-test': '1' })).pipe(toArray()),
    );
    const sent = server.requests[0];
    expect(sent?.body).to.equal('{"prompt":"你好"}');
    expect(sent?.headers).to.include({ 'content-type': 'application/json', 'x-test': '1' });
    // In a browser that honours it (Firefox), axios's `User-Agent: axios/…` is a header the page
    // sets itself: not the browser's, and one that CORS preflights must then allow.
    expect(sent?.headers['user-agent'] ?? '').to.not.match(/axios/i);
  });

  it('sends a user-agent it is given', async () => {
    server = await startLoopbackServer((_req, res) => res.end('ok'));
    await lastValueFrom(
      fetchTransport()(request(server.endpoint, { 'User-Agent': 'Mozilla/5.0 test' })).pipe(toArray()),
    );
    expect(server.requests[0]?.headers['user-agent']).to.equal('Mozilla/5.0 test');
  });
});
