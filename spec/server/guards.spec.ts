import { expect } from 'chai';
import { createServer, request as httpRequest } from 'node:http';
import {
  bearerToken,
  createGuards,
  fromNodeRequest,
  fromWebRequest,
  readNodeJson,
  readWebJson,
  type Admission,
  type GuardRequest,
} from '../../lib/server/index.js';

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

  it('bearerToken lets through exactly the given tokens, and no empty token', async () => {
    const check = (header?: string): boolean | Promise<boolean> =>
      authorize(
        fromWebRequest(new Request('http://x/', header === undefined ? {} : { headers: { authorization: header } })),
      );
    expect(await check('Bearer good')).to.equal(true);
    expect(await check('bearer   other ')).to.equal(true);
    expect(await check('Bearer goo')).to.equal(false);
    expect(await check('Bearer goodd')).to.equal(false);
    expect(await check('Basic good')).to.equal(false);
    expect(await check()).to.equal(false);
    expect(await bearerToken('')(post({ authorization: 'Bearer ' }))).to.equal(false);
  });

  it('admits a good request holding a slot, and the slot comes back once released', async () => {
    const guards = createGuards({ authorize, maxConcurrentStreams: 1 });
    const first = await guards.admit(post());
    expect(first).to.have.property('type', 'admitted');
    const second = await guards.admit(post());
    expect(refusedWith(second)).to.equal(429);
    if (second.type === 'refused') {
      expect(second.refusal.headers).to.have.property('retry-after', '2');
      expect(second.refusal.error).to.include({ kind: 'Http', status: 429, retryAfterMs: 2000 });
    }
    // Another client (another token) has its own slots.
    expect(await guards.admit(post({ authorization: 'Bearer other' }))).to.have.property('type', 'admitted');
    if (first.type === 'admitted') {
      first.release();
      first.release();
    }
    expect(await guards.admit(post())).to.have.property('type', 'admitted');
    expect(refusedWith(await guards.admit(post()))).to.equal(429);
  });

  it('counts clients without a token by remote address, or by the clientKey given', async () => {
    const open = createGuards({ authorize: () => true, maxConcurrentStreams: 1 });
    const anonymous = (address: string): GuardRequest => post({ authorization: '' }, 'POST', address);
    expect(await open.admit(anonymous('10.0.0.1'))).to.have.property('type', 'admitted');
    expect(refusedWith(await open.admit(anonymous('10.0.0.1')))).to.equal(429);
    expect(await open.admit(anonymous('10.0.0.2'))).to.have.property('type', 'admitted');
    const byUser = createGuards({
      authorize: () => true,
      maxConcurrentStreams: 1,
      clientKey: (request) => request.headers.get('x-user') ?? '',
    });
    expect(await byUser.admit(post({ 'x-user': 'a' }))).to.have.property('type', 'admitted');
    expect(refusedWith(await byUser.admit(post({ 'x-user': 'a' }, 'POST', '10.9.9.9')))).to.equal(429);
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
    expect(await guards.admit(post({}, 'GET'), { methods: ['GET'], stream: false })).to.have.property(
      'type',
      'admitted',
    );
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
      'access-control-allow-headers': 'authorization, content-type, accept',
    });
    expect(refusedWith(await guards.admit(post({ origin: 'https://other.example' }, 'OPTIONS')))).to.equal(403);
    // The preflight carries no credentials and takes no slot.
    const one = createGuards({ authorize, maxConcurrentStreams: 1, cors: { origins: '*' } });
    await one.admit(post({ origin: 'https://a.example' }, 'OPTIONS'));
    expect(await one.admit(post({ origin: 'https://b.example' }))).to.have.property('type', 'admitted');
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
