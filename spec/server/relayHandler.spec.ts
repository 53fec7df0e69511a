import { expect } from 'chai';
import * as http from 'node:http';
import { Conversation, type ConversationJson } from '../../lib/core/conversation.js';
import { createMemoryStore, createRelayHandler } from '../../lib/server/index.js';
import { startLoopbackServer, within } from '../support/loopbackServer.js';
import { eventually } from '../support/eventually.js';
import { drained } from '../support/webServer.js';
import {
  emulatorUpstream,
  listen,
  listenWeb,
  post,
  providerOn,
  readEvents,
  relayHeaders,
  startRelay,
  stopAll,
  textOf,
  token,
} from './relay.support.js';

const messages = [{ role: 'user', content: 'Hello relay' }] as const;

for (const variant of ['node:http', 'Web Request → Response'] as const) {
  const web = variant !== 'node:http';

  describe(`server/createRelayHandler (${variant}) on a real loopback server, the emulator upstream`, () => {
    afterEach(stopAll);

    it('streams the reply as text events, the conversation on request, then finish, with the SSE headers', async () => {
      const { url, emulator } = await startRelay({ web });
      const response = await post(url, { messages, returnConversation: true });
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('text/event-stream; charset=utf-8');
      expect(response.headers.get('cache-control')).to.equal('no-cache, no-transform');
      expect(response.headers.get('x-accel-buffering')).to.equal('no');
      const { events, cut } = await readEvents(response);
      expect(cut).to.equal(false);
      expect(events.map((e) => e.event).slice(-2)).to.deep.equal(['conversation', 'finish']);
      expect(events.at(-1)?.data).to.deep.equal({ reason: 'stop' });
      expect(events.filter((e) => e.event === 'text').length).to.be.greaterThan(1);
      expect(textOf(events)).to.include('Hello relay');
      const json = events.at(-2)?.data as ConversationJson;
      expect(json.message_history.map((m) => m.role)).to.deep.equal(['user', 'assistant']);
      expect(json.message_history[1]?.content).to.equal(textOf(events));
      expect(emulator.requests).to.have.length(1);
      expect(emulator.requests[0]?.payload?.prompt).to.equal('Hello relay');
      // The client's credentials stay at the relay.
      expect(JSON.stringify(emulator.requests[0]?.headers)).to.not.include(token);
    });

    it('sends an upstream failure as an error event with the YqcloudError fields, then ends', async () => {
      const { url, emulator } = await startRelay({ web });
      emulator.injectFault({ kind: 'status', status: 503, retryAfterS: 3 });
      const first = await readEvents(await post(url, { messages }));
      expect(first.events).to.have.length(1);
      expect(first.events[0]?.event).to.equal('error');
      expect(first.events[0]?.data).to.deep.include({
        name: 'YqcloudError',
        kind: 'Http',
        status: 503,
        retryAfterMs: 3000,
      });
      emulator.injectFault({ kind: 'ban' });
      const banned = await readEvents(await post(url, { messages }));
      expect(banned.events.map((e) => e.event)).to.deep.equal(['error']);
      expect(banned.events[0]?.data).to.deep.include({ kind: 'Blocked', reason: 'ip-banned' });
      emulator.injectFault({ kind: 'reset', afterChars: 12 });
      const reset = await readEvents(await post(url, { messages }));
      expect(reset.events.at(-1)?.event).to.equal('error');
      expect(reset.events.at(-1)?.data).to.deep.include({ kind: 'Network', partialText: textOf(reset.events) });
    });

    it('refuses, sending nothing upstream: 401, 403, 405, 413, 415, 400, and answers the preflight', async () => {
      const { url, emulator } = await startRelay({ web, cors: { origins: ['http://app.test'] }, maxBodyBytes: 2048 });
      const refusal = async (response: Response): Promise<[number, Record<string, unknown>]> => [
        response.status,
        ((await response.json()) as { error: Record<string, unknown> }).error,
      ];
      const cases: ReadonlyArray<readonly [string, Promise<Response>, number, string]> = [
        ['no token', post(url, { messages }, relayHeaders({ authorization: '' })), 401, 'Http'],
        ['a wrong token', post(url, { messages }, relayHeaders({ authorization: 'Bearer nope' })), 401, 'Http'],
        ['another origin', post(url, { messages }, relayHeaders({ origin: 'http://evil.test' })), 403, 'Http'],
        ['PUT', fetch(url, { method: 'PUT', headers: relayHeaders() }), 405, 'Http'],
        ['GET without Last-Event-ID', fetch(url, { headers: relayHeaders() }), 400, 'InvalidRequest'],
        ['a big body', post(url, { messages: [{ role: 'user', content: 'x'.repeat(4096) }] }), 413, 'InvalidRequest'],
        [
          'a big body with no content-length',
          fetch(url, {
            method: 'POST',
            headers: relayHeaders(),
            body: new Blob([JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(4096) }] })]).stream(),
            duplex: 'half',
          } as RequestInit),
          413,
          'InvalidRequest',
        ],
        ['text/plain', post(url, { messages }, relayHeaders({ 'content-type': 'text/plain' })), 415, 'Http'],
        ['bad JSON', post(url, '{"messages":'), 400, 'InvalidRequest'],
        ['an unknown key', post(url, { messages, proxy: 'http://attacker.test:8080' }), 400, 'InvalidRequest'],
        ['a bad role', post(url, { messages: [{ role: 'bot', content: 'x' }] }), 400, 'InvalidRequest'],
        ['no messages', post(url, { messages: [] }), 400, 'InvalidRequest'],
        ['an unknown model', post(url, { messages, model: 'gpt-5' }), 400, 'InvalidRequest'],
        ['a bad conversation', post(url, { messages, conversation: { model: 'gpt-4' } }), 400, 'InvalidRequest'],
      ];
      for (const [what, answer, status, kind] of cases) {
        const [got, error] = await refusal(await answer);
        expect(got, what).to.equal(status);
        expect(error, what).to.include({ name: 'YqcloudError', kind });
        expect(JSON.stringify(error), what).to.not.include(token);
      }
      const unauthorised = await post(url, { messages }, relayHeaders({ authorization: '' }));
      expect(unauthorised.headers.get('www-authenticate')).to.equal('Bearer');
      const badRole = await refusal(await post(url, { messages: [{ role: 'bot', content: 'x' }] }));
      expect(badRole[1]).to.have.property('path', 'messages.0.role');
      const model = await refusal(await post(url, { messages, model: 'gpt-5' }));
      expect(model[1]).to.have.property('message').that.includes('gpt-5');

      const preflight = await fetch(url, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://app.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers.get('access-control-allow-origin')).to.equal('http://app.test');
      expect(preflight.headers.get('access-control-allow-headers')).to.include('authorization');
      expect(preflight.headers.get('vary')).to.equal('Origin');
      const allowed = await post(url, { messages }, relayHeaders({ origin: 'http://app.test' }));
      expect(allowed.headers.get('access-control-allow-origin')).to.equal('http://app.test');
      expect(allowed.headers.get('vary')).to.equal('Origin');
      await readEvents(allowed);
      // Only the allowed request reached the service.
      expect(emulator.requests).to.have.length(1);
    });

    it('refuses a second concurrent stream of the same client with 429 and retry-after, and frees the slot when the first ends', async () => {
      const { url, emulator } = await startRelay({ web, maxConcurrentStreams: 1, keepAliveMs: 0 });
      emulator.injectFault({ kind: 'hang', phase: 'before-body' });
      const leaving = new AbortController();
      const first = await post(url, { messages }, relayHeaders(), { signal: leaving.signal });
      expect(first.status).to.equal(200);
      const second = await post(url, { messages });
      expect(second.status).to.equal(429);
      expect(second.headers.get('retry-after')).to.equal('2');
      expect(((await second.json()) as { error: unknown }).error).to.deep.include({
        kind: 'Http',
        status: 429,
        retryAfterMs: 2000,
      });
      expect(emulator.requests).to.have.length(1);
      leaving.abort();
      await first.body?.cancel().catch(() => {});
      await eventually(() => emulator.openConnections() === 0, 2000, 'the first stream’s upstream request to close');
      const third = await post(url, { messages });
      expect(third.status).to.equal(200);
      expect((await readEvents(third)).events.at(-1)?.event).to.equal('finish');
    });

    it('the client leaving mid-reply closes the emulator’s socket', async () => {
      const { url, emulator } = await startRelay({ web });
      emulator.injectFault({ kind: 'hang', phase: 'mid-body' });
      const leaving = new AbortController();
      const response = await post(url, { messages }, relayHeaders(), { signal: leaving.signal });
      const reader = response.body?.getReader();
      const { value } = (await reader?.read()) ?? {};
      expect(new TextDecoder().decode(value)).to.include('event: text');
      expect(emulator.openConnections()).to.equal(1);
      leaving.abort();
      await eventually(() => emulator.openConnections() === 0, 2000, 'the emulator’s sockets to close');
    });

    it('sends keep-alive comments while the upstream is silent', async () => {
      const { url, emulator } = await startRelay({ web, keepAliveMs: 25 });
      emulator.injectFault({ kind: 'hang', phase: 'before-body' });
      const leaving = new AbortController();
      const response = await post(url, { messages }, relayHeaders(), { signal: leaving.signal });
      const reader = response.body?.getReader();
      let seen = '';
      while ((seen.match(/: keep-alive\n\n/g) ?? []).length < 2) {
        const { value, done } = (await reader?.read()) ?? { done: true };
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
      expect(seen).to.equal(': keep-alive\n\n: keep-alive\n\n');
      leaving.abort();
      await eventually(() => emulator.openConnections() === 0, 2000, 'the emulator’s sockets to close');
    });
  });
}

describe('server/createRelayHandler: a client that stops reading', () => {
  afterEach(stopAll);

  for (const variant of ['node:http', 'Web Request → Response'] as const) {
    it(`hits the byte budget (${variant}): the relay aborts the upstream request and cuts the answer off`, async function () {
      this.timeout(20_000);
      let written = 0;
      // An upstream that never ends: only the relay giving up can close its socket.
      const upstream = await startLoopbackServer(async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        const piece = 'x'.repeat(64 * 1024);
        while (!res.destroyed) {
          written += piece.length;
          if (!res.write(piece)) await drained(res);
        }
      });
      try {
        const provider = providerOn(upstream.endpoint, 64 * 1024 * 1024);
        const relay = createRelayHandler({
          provider,
          authorize: () => true,
          maxBufferedBytes: 256 * 1024,
          keepAliveMs: 0,
        });
        const url = variant === 'node:http' ? await listen(relay) : await listenWeb(relay.fetch);
        const closed = upstream.socketClosed();
        const target = new URL(url);
        const request = http.request({
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: relayHeaders(),
        });
        request.end(JSON.stringify({ messages }));
        const response = await new Promise<http.IncomingMessage>((resolve) => request.once('response', resolve));
        expect(response.statusCode).to.equal(200);
        response.pause();
        expect(await within(closed, 15_000), 'the upstream socket closed').to.not.equal('deadline');
        const upstreamBytes = written;
        let received = '';
        response.setEncoding('utf8');
        response.on('data', (piece: string) => {
          received += piece.slice(-64);
        });
        const ended = await new Promise<string>((resolve) => {
          response.once('end', () => resolve('end'));
          response.once('error', () => resolve('error'));
          response.once('aborted', () => resolve('aborted'));
          response.resume();
        });
        // Cut off: no finish, no error event (the client was not reading it), the connection dropped.
        expect(ended).to.be.oneOf(['aborted', 'error']);
        expect(received).to.not.include('event: finish');
        // What the relay took from upstream before giving up: the budget and what the sockets hold.
        expect(upstreamBytes).to.be.lessThan(48 * 1024 * 1024);
      } finally {
        await upstream.close();
      }
    });
  }
});

describe('server/createRelayHandler: instances sharing one store', () => {
  afterEach(stopAll);

  it('one conversation’s turns alternate between two relay instances', async () => {
    const emulator = await emulatorUpstream();
    const store = createMemoryStore();
    const a = await startRelay({ emulator, store });
    const b = await startRelay({ emulator, web: true, store });
    let conversation: ConversationJson | undefined;
    const turns = ['My name is Ada', 'What is my name?', 'And the first thing I said?', 'Thanks'];
    for (const [index, content] of turns.entries()) {
      const relay = index % 2 === 0 ? a : b;
      const { events } = await readEvents(
        await post(relay.url, {
          messages: [{ role: 'user', content }],
          returnConversation: true,
          ...(conversation === undefined ? {} : { conversation }),
        }),
      );
      expect(events.at(-1)?.event, `turn ${index + 1}`).to.equal('finish');
      const next = events.find((e) => e.event === 'conversation')?.data as ConversationJson;
      if (conversation !== undefined) expect(next.userId).to.equal(conversation.userId);
      expect(next.message_history).to.have.length(2 * (index + 1));
      expect(textOf(events)).to.include(`turn ${index + 1}`);
      conversation = next;
    }
    // Each turn reached the service once, all under the one conversation id the client carried.
    expect(emulator.requests.map((r) => r.payload?.userId)).to.deep.equal(turns.map(() => conversation?.userId));
    const restored = Conversation.fromJson(conversation);
    expect(restored._tag).to.equal('Right');
  });
});

describe('server/createRelayHandler: a provider that throws instead of failing its stream', () => {
  afterEach(stopAll);

  it('answers with an error event that says only that the server failed, and gives the stream slot back', async () => {
    const relay = createRelayHandler({
      provider: {
        create: () => {
          throw new Error('not an observable');
        },
      },
      authorize: () => true,
      maxConcurrentStreams: 1,
    });
    for (const url of [await listen(relay), await listenWeb(relay.fetch)]) {
      for (const attempt of ['first', 'the slot was given back']) {
        const { events } = await readEvents(await post(url, { messages }));
        expect(
          events.map((e) => e.event),
          attempt,
        ).to.deep.equal(['error']);
        expect(events[0]?.data).to.deep.include({ kind: 'Network', code: 'ESERVER' });
        expect(JSON.stringify(events)).to.not.include('not an observable');
      }
    }
  });
});
