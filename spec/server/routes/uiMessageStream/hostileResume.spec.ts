import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import { expect } from 'chai';
import { concat, interval, map, of, take } from 'rxjs';
import { finish, text } from '../../../../lib/core/chunk.js';
import { bearerToken } from '../../../../lib/server/index.js';
import { createUIMessageStreamHandler } from '../../../../lib/server/routes/uiMessageStream/uiMessageStreamHandler.js';
import { createMemoryReplyStore } from '../../../../lib/server/store/replyStore.js';
import { pacedProvider } from '../../../support/pacedProvider.js';

/** What a raw socket got within `ms` (the request written, nothing read back but this). */
const rawExchange = (port: number, request: string, ms: number): Promise<string> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let got = '';
    socket.on('data', (piece) => {
      got += piece.toString('latin1');
    });
    socket.on('error', () => {});
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });

// Hostile clients of the AI SDK chat route's resume and stop (GET and DELETE
// <api>/<chatId>/stream) on a loopback server with a store that keeps replies.
describe('the UI message stream route’s resume and stop with hostile clients', function () {
  this.timeout(20_000);
  let server: http.Server;
  let api = '';
  let port = 0;
  const provider = pacedProvider(400); // 8 s of reply: every reply is in flight during a test

  before(async () => {
    const handler = createUIMessageStreamHandler({
      provider,
      authorize: bearerToken('alice-token', 'bob-token'),
      store: createMemoryReplyStore(),
      maxConcurrentStreams: 8,
    });
    server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    api = `http://127.0.0.1:${port}/api/chat`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const started: Array<{ readonly chatId: string; readonly reader: ReadableStreamDefaultReader<Uint8Array> }> = [];
  afterEach(async () => {
    // Stop every reply this test started (a reply outlives its connection), so the next test has its slots back.
    for (const { chatId, reader } of started.splice(0)) {
      await reader.cancel();
      const path = `${api}/${encodeURIComponent(chatId)}/stream`;
      await fetch(path, { method: 'DELETE', headers: { authorization: 'Bearer alice-token' } });
      for (let i = 0; i < 100 && (await ask(`${encodeURIComponent(chatId)}/stream`)).status !== 204; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  /** Starts a reply of `chatId` and keeps reading it (so it is in flight, its slot held). */
  const start = async (chatId: string, token = 'alice-token'): Promise<void> => {
    const answer = await fetch(api, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: chatId,
        trigger: 'submit-message',
        messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: 'x' }] }],
      }),
    });
    expect(answer.status, chatId).to.equal(200);
    const reader = answer.body?.getReader();
    if (reader === undefined) throw new Error('a body');
    started.push({ chatId, reader });
    await reader.read();
  };

  /** The status and the first piece of a GET or DELETE of `<api>/<path>` (the rest not read). */
  const ask = async (
    path: string,
    init: { readonly method?: string; readonly token?: string } = {},
  ): Promise<{ readonly status: number; readonly first: string; readonly allow: string | null }> => {
    const answer = await fetch(`${api}/${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${init.token ?? 'alice-token'}` },
    });
    const reader = answer.body?.getReader();
    const first = reader === undefined ? undefined : await reader.read();
    await reader?.cancel();
    return {
      status: answer.status,
      first: first?.value === undefined ? '' : Buffer.from(first.value).toString('utf8'),
      allow: answer.headers.get('allow'),
    };
  };

  it('chat ids with slashes, unicode, dots and query-like text resume their own reply; path tricks never reach another', async () => {
    for (const chatId of ['a/b', 'ü✓ chat', 'q?x=1#y', 'c%2F']) await start(chatId);
    for (const chatId of ['a/b', 'ü✓ chat', 'q?x=1#y', 'c%2F']) {
      const resumed = await ask(`${encodeURIComponent(chatId)}/stream`);
      expect(resumed.status, chatId).to.equal(200);
      expect(resumed.first, chatId).to.match(/^data: \{"type":"start","messageId":"msg-/);
    }
    // Unencoded, the same characters are a path that names no chat (or another one): never 200.
    expect((await ask('a/b/stream')).status).to.equal(404);
    expect((await ask('../stream')).status).to.equal(404);
    expect((await ask('%2E%2E/stream')).status, 'the URL parser resolves an encoded dot segment').to.equal(404);
    expect((await ask('c%2F/stream')).status, 'c/ is not the chat c%2F').to.equal(204);
    expect((await ask('a%2Fb/stream/')).status, 'trailing slash').to.equal(404);
    expect((await ask('a%2Fb/stream?reply=x&chatId=..')).status, 'a query string is ignored').to.equal(200);
  });

  it('huge, malformed and control-character chat ids are 400 or 404, never a lookup', async () => {
    expect((await ask(`${'x'.repeat(256)}/stream`)).status, '256 characters: a chat with no reply').to.equal(204);
    expect((await ask(`${'x'.repeat(257)}/stream`)).status).to.equal(400);
    expect((await ask(`${'x'.repeat(100_000)}/stream`)).status).to.be.oneOf([404, 414, 431]);
    for (const bad of ['%ZZ', '%00', '%0D%0Ainjected', '%C2%85', '%E0%80'])
      expect((await ask(`${bad}/stream`)).status, bad).to.equal(400);
  });

  it('another client’s chat: resume is 204 and DELETE is 204 (nothing of it is said), and its reply goes on', async () => {
    await start('secret-chat');
    expect((await ask('secret-chat/stream', { token: 'bob-token' })).status).to.equal(204);
    expect((await ask('secret-chat/stream', { token: 'bob-token', method: 'DELETE' })).status).to.equal(204);
    const still = await ask('secret-chat/stream');
    expect(still.status).to.equal(200);
    expect(still.first).to.not.include('abort');
  });

  it('invented or missing tokens are 401 on GET and DELETE, and stop nothing', async () => {
    await start('mine');
    for (const method of ['GET', 'DELETE'])
      for (const token of ['invented', 'alice-token2', 'ALICE-TOKEN', '']) {
        expect((await ask('mine/stream', { token, method })).status, `${method} ${token}`).to.equal(401);
      }
    expect((await ask('mine/stream')).status).to.equal(200);
  });

  it('wrong methods are 405 with allow; HEAD and OPTIONS (no CORS) too', async () => {
    for (const method of ['PUT', 'PATCH', 'POST', 'HEAD', 'OPTIONS']) {
      const answer = await ask('any/stream', { method });
      expect(answer.status, method).to.equal(405);
      expect(answer.allow, method).to.match(/^GET, DELETE/);
    }
  });

  it('many concurrent resumes of one reply by one client are bounded by its slots (429), and freed when they end', async () => {
    await start('busy');
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        fetch(`${api}/busy/stream`, { headers: { authorization: 'Bearer alice-token' } }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).to.have.length(8);
    expect(statuses.filter((s) => s === 429)).to.have.length(4);
    await Promise.all(answers.map((a) => a.body?.cancel()));
    let again = 0;
    for (let i = 0; i < 100 && again !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      again = (await ask('busy/stream')).status;
    }
    expect(again).to.equal(200);
    // Bob's resumes have slots of their own.
    expect((await ask('busy/stream', { token: 'bob-token' })).status).to.equal(204);
  });

  it('a GET or DELETE with a 100 MB body trickled is answered at once, the body never waited for', async () => {
    await start('trickle');
    for (const method of ['GET', 'DELETE']) {
      const got = await rawExchange(
        port,
        `${method} /api/chat/trickle/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer alice-token\r\nContent-Length: 100000000\r\n\r\nabc`,
        1500,
      );
      expect(got, method).to.match(method === 'GET' ? /^HTTP\/1\.1 200 / : /^HTTP\/1\.1 202 /);
      expect(got, method).to.match(/\r\nconnection: close\r\n/i);
    }
  });
});

describe('the UI message stream route with a resume reader that never reads', function () {
  this.timeout(20_000);

  it('is cut at maxBufferedBytes, and its reader slot is free again for the client', async () => {
    // 32 KiB a piece, 5 ms apart: far more than the socket buffers take.
    const provider = {
      create: () =>
        concat(
          interval(5).pipe(
            take(1000),
            map(() => text('y'.repeat(32_768))),
          ),
          of(finish),
        ),
    };
    const server = http.createServer(
      createUIMessageStreamHandler({
        provider,
        authorize: bearerToken('alice-token'),
        store: createMemoryReplyStore(),
        maxConcurrentStreams: 1,
        maxBufferedBytes: 16_384,
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const api = `http://127.0.0.1:${port}/api/chat`;
    const headers = { authorization: 'Bearer alice-token' };
    const posted = await fetch(api, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'c',
        trigger: 'submit-message',
        messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: 'x' }] }],
      }),
    });
    const drained = posted.text().catch(() => '');
    const slow = net.connect(port, '127.0.0.1', () => {
      slow.write('GET /api/chat/c/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer alice-token\r\n\r\n');
      slow.pause(); // never reads
    });
    slow.on('error', () => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      const again = await fetch(`${api}/c/stream`, { headers });
      status = again.status;
      await again.body?.cancel();
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status, 'the one reader slot was given back when the slow reader was cut').to.equal(200);
    slow.destroy();
    await fetch(`${api}/c/stream`, { method: 'DELETE', headers });
    await drained;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
});
