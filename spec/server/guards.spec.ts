import { expect } from 'chai';
import { createServer, request as httpRequest } from 'node:http';
import { asyncScheduler } from 'rxjs';
import { bearerToken, type Authorize } from '../../lib/server/index.js';
import { readNodeBody, readWebBody } from '../../lib/server/pipeline/body.js';
import type { CorsOptions } from '../../lib/server/pipeline/cors.js';
import { admit, type Admission } from '../../lib/server/pipeline/guards.js';
import { fromNodeRequest, fromWebRequest, type GuardRequest } from '../../lib/server/pipeline/request.js';

const createGuards = (options: { authorize: Authorize; cors?: CorsOptions; maxBodyBytes?: number }) => ({
  admit: (request: GuardRequest, methods: ReadonlyArray<string> = ['POST']) =>
    admit({ maxBodyBytes: 256 * 1024, ...options }, request, methods),
});
const readNodeJson = (req: import('node:http').IncomingMessage, limitBytes: number) =>
  readNodeBody(req, { limitBytes, timeoutMs: 10_000, scheduler: asyncScheduler });
const readWebJson = (request: Request, limitBytes: number) =>
  readWebBody(request, { limitBytes, timeoutMs: 10_000, scheduler: asyncScheduler });

const post = (headers: Record<string, string> = {}, method = 'POST', remoteAddress = '10.0.0.1'): GuardRequest =>
  fromWebRequest(
    new Request('http://relay.test/relay', {
      method,
      headers: { 'content-type': 'application/json', authorization: 'Bearer good', ...headers },
    }),
    remoteAddress,
  );

const refusedWith = (admission: Admission): number | undefined =>
  admission.type === 'refused' ? admission.refusal.status : undefined;

describe('server/guards', () => {
  const authorize = bearerToken('good', 'other');

  it('bearerToken lets through exactly the given tokens, as an identity derived from the token (never the token)', async () => {
    const check = (header?: string) =>
      authorize(
        fromWebRequest(new Request('http://x/', header === undefined ? {} : { headers: { authorization: header } })),
      );
    const good = await check('Bearer good');
    expect(good)
      .to.be.a('string')
      .and.match(/^token:[0-9a-f]{32}$/);
    expect(String(good)).to.not.include('good');
    expect(await check('bearer   good ')).to.equal(good);
    expect(await check('Bearer other'))
      .to.be.a('string')
      .and.not.equal(good);
    expect(await check('Bearer goo')).to.equal(false);
    expect(await check('Bearer goodd')).to.equal(false);
    expect(await check('Basic good')).to.equal(false);
    expect(await check()).to.equal(false);
    expect(await bearerToken('')(post({ authorization: 'Bearer ' }))).to.equal(false);
  });

  it('admits with the identity authorize verified: its string, or the remote address for true', async () => {
    const byToken = await createGuards({ authorize }).admit(post());
    expect(byToken.type === 'admitted' ? byToken.identity : '').to.match(/^user:token:[0-9a-f]{32}$/);
    const byCookie = await createGuards({ authorize: () => 'alice' }).admit(post({ authorization: 'Bearer made-up' }));
    expect(byCookie.type === 'admitted' ? byCookie.identity : '').to.equal('user:alice');
    const open = await createGuards({ authorize: () => true }).admit(
      post({ authorization: 'Bearer x' }, 'POST', '10.0.0.9'),
    );
    expect(open.type === 'admitted' ? open.identity : '').to.equal('address:10.0.0.9');
    expect(refusedWith(await createGuards({ authorize: () => '' }).admit(post()))).to.equal(401);
  });

  it('refuses 401 with www-authenticate when authorize says no, throws or rejects', async () => {
    for (const hook of [
      () => false,
      () => Promise.resolve(false),
      () => {
        throw new Error('db down');
      },
      () => Promise.reject(new Error('x')),
    ]) {
      const admission = await createGuards({ authorize: hook }).admit(post());
      expect(refusedWith(admission)).to.equal(401);
      if (admission.type === 'refused') {
        expect(admission.refusal.headers).to.have.property('www-authenticate', 'Bearer');
        expect(admission.refusal.error).to.include({ kind: 'Http', status: 401 });
      }
    }
    expect(refusedWith(await createGuards({ authorize }).admit(post({ authorization: 'Bearer bad' })))).to.equal(401);
  });

  it('refuses 405 for other methods (with allow) and 415 for a body that is not JSON', async () => {
    const guards = createGuards({ authorize });
    const get = await guards.admit(post({}, 'GET'));
    expect(refusedWith(get)).to.equal(405);
    if (get.type === 'refused') expect(get.refusal.headers).to.have.property('allow', 'POST, OPTIONS');
    expect(refusedWith(await guards.admit(post({ 'content-type': 'text/plain' })))).to.equal(415);
    expect(refusedWith(await guards.admit(post({ 'content-type': 'application/jsonp' })))).to.equal(415);
    expect(await guards.admit(post({ 'content-type': 'application/json; charset=utf-8' }))).to.have.property(
      'type',
      'admitted',
    );
    expect(await guards.admit(post({}, 'GET'), ['GET'])).to.have.property('type', 'admitted');
  });

  it('refuses 413 when content-length declares more than maxBodyBytes', async () => {
    const admission = await createGuards({ authorize, maxBodyBytes: 10 }).admit(post({ 'content-length': '11' }));
    expect(refusedWith(admission)).to.equal(413);
    if (admission.type === 'refused') expect(admission.refusal.error).to.have.property('kind', 'InvalidRequest');
  });

  it('CORS: no origin allowed by default, an allow-list with Vary: Origin, preflights answered', async () => {
    const closed = createGuards({ authorize });
    expect(refusedWith(await closed.admit(post({ origin: 'https://evil.example' })))).to.equal(403);
    expect(await closed.admit(post())).to.have.property('type', 'admitted');

    const guards = createGuards({ authorize, cors: { origins: ['https://app.example'] } });
    const allowed = await guards.admit(post({ origin: 'https://app.example' }));
    expect(allowed.headers).to.include({ 'access-control-allow-origin': 'https://app.example', vary: 'Origin' });
    const refused = await guards.admit(post({ origin: 'https://app.example.evil' }));
    expect(refusedWith(refused)).to.equal(403);
    expect(refused.headers).to.not.have.property('access-control-allow-origin');
    expect(refused.headers).to.have.property('vary', 'Origin');

    const preflight = await guards.admit(
      post({ origin: 'https://app.example', 'access-control-request-method': 'POST', authorization: '' }, 'OPTIONS'),
    );
    expect(preflight).to.have.property('type', 'preflight');
    expect(preflight.headers).to.include({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'authorization, content-type, accept, last-event-id',
    });
    expect(refusedWith(await guards.admit(post({ origin: 'https://other.example' }, 'OPTIONS')))).to.equal(403);
  });

  describe('reading the body on a real server', () => {
    let seen: Array<unknown> = [];
    let gotHeaders: Array<GuardRequest> = [];

    const relayLike = async (limit: number, body: string | Buffer): Promise<unknown> => {
      // The loopback server of spec/support reads the body itself: this needs the raw request.
      const own = createServer(async (req, res) => {
        gotHeaders.push(fromNodeRequest(req));
        const read = await readNodeJson(req, limit);
        seen.push(read);
        res.end(read.type === 'json' ? 'ok' : String(read.refusal.status));
      });
      await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
      const { port } = own.address() as { port: number };
      try {
        return await new Promise<string>((resolve, reject) => {
          // No content-length: the limit must hold while reading, not only on what is declared.
          const req = httpRequest(
            { port, host: '127.0.0.1', method: 'POST', headers: { 'x-A': 'b', 'transfer-encoding': 'chunked' } },
            (res) => {
              let text = '';
              res.on('data', (piece: Buffer) => {
                text += piece.toString();
              });
              res.on('end', () => resolve(text));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      } finally {
        own.closeAllConnections();
        await new Promise((resolve) => own.close(resolve));
      }
    };

    it('node:http: JSON within the limit, 413 past it, 400 for bad JSON or bad UTF-8', async () => {
      seen = [];
      gotHeaders = [];
      expect(await relayLike(100, '{"a":[1,2]}')).to.equal('ok');
      expect(seen[0]).to.deep.equal({ type: 'json', value: { a: [1, 2] } });
      expect(gotHeaders[0]?.headers.get('x-a')).to.equal('b');
      expect(gotHeaders[0]?.remoteAddress).to.equal('127.0.0.1');
      expect(await relayLike(10, JSON.stringify({ a: 'x'.repeat(100) }))).to.equal('413');
      expect(await relayLike(100, '{"a":')).to.equal('400');
      expect(await relayLike(100, Buffer.from([0x7b, 0xff, 0x7d]))).to.equal('400');
    });

    it('Web Request: JSON within the limit, 413 past it without reading the rest', async () => {
      const ok = await readWebJson(new Request('http://x/', { method: 'POST', body: '{"a":1}' }), 100);
      expect(ok).to.deep.equal({ type: 'json', value: { a: 1 } });
      let pulled = 0;
      const endless = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled += 1;
          controller.enqueue(new Uint8Array(64).fill(0x20));
        },
      });
      const big = await readWebJson(
        new Request('http://x/', { method: 'POST', body: endless, duplex: 'half' } as RequestInit),
        1000,
      );
      expect(big.type === 'refused' ? big.refusal.status : 'read').to.equal(413);
      expect(pulled).to.be.lessThan(40);
      const bad = await readWebJson(new Request('http://x/', { method: 'POST', body: 'nope' }), 100);
      expect(bad.type === 'refused' ? bad.refusal.error.kind : 'read').to.equal('InvalidRequest');
    });
  });
});
