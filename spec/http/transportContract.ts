/**
 * The one contract every transport the library ships must meet, run against real loopback
 * servers (spec/http/transports.contract.spec.ts runs it for each): what goes on the wire, that
 * pieces stream, redirects refused and never re-sent, every final 1xx settled, strict
 * decompression, resets and refusals as `Network`, the byte limit, cancellation that closes the
 * socket, TLS never weakened, the proxy agents, header validation, and nothing read through
 * `Object.prototype`. A transport that cannot do a thing by the nature of its platform (a page
 * chooses no proxy and no CA) declares it in `gaps`; the suite then checks that it refuses the
 * thing with `InvalidRequest` before sending anything, or shows the case as pending with the
 * reason, never as passed.
 */
import * as zlib from 'node:zlib';
import { expect } from 'chai';
import { concatMap, lastValueFrom, range, toArray } from 'rxjs';
import type { Chunk } from '../../lib/core/chunk.js';
import { YqcloudError } from '../../lib/core/error.js';
import type { HttpRequest, ResponseEvent, Transport } from '../../lib/http/transport.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { closedPort } from '../support/closedPort.js';
import { collect } from '../support/collect.js';
import { rawServer } from '../support/rawServer.js';
import { password, startForwardProxy, type ForwardProxy } from '../support/forwardProxy.js';
import {
  gate,
  startLoopbackServer,
  within,
  writePieces,
  writeTogether,
  type LoopbackServer,
} from '../support/loopbackServer.js';
import { certForName, selfSignedCert, type Pem } from '../support/selfSignedCert.js';
import { startSocksServer } from '../support/socksServer.js';

/** A transport made for one test, and how to let go of it. */
export interface MadeTransport {
  readonly transport: Transport;
  readonly destroy: () => void;
}

/** What a transport cannot do by the nature of where it runs, with the reason (shown as pending). */
export interface TransportGaps {
  /** Requests with a `proxy` are refused with `InvalidRequest` (path `proxy`), nothing sent. */
  readonly proxy?: string;
  /** No extra CA can be given. */
  readonly ca?: string;
  /** A compressed body cut short may end as if whole. */
  readonly strictDecompression?: string;
  /** A final 101 settles as a `Network` error rather than `Http` 101; an unasked-for 100 Continue fails. */
  readonly informational?: string;
  /** Connection options are read through `Object.prototype` below the transport. */
  readonly prototype?: string;
  /** Credentials in the endpoint URL are refused rather than sent as basic authorization. */
  readonly userinfo?: string;
}

/** A case's title, with the reason it is pending for this transport. */
const titled = (title: string, gap: string | undefined): string =>
  gap === undefined ? title : `${title} (pending: ${gap})`;

/** A transport under the contract. */
export interface TransportSubject {
  readonly name: string;
  /** A new transport trusting `ca` besides the platform's roots (ignored with a `ca` gap). */
  readonly make: (options: { readonly ca?: string | Uint8Array }) => MadeTransport;
  readonly gaps?: TransportGaps;
}

const hello = { messages: [{ role: 'user', content: 'Hello' }] } as const;
const textOf = (chunks: ReadonlyArray<Chunk>): string =>
  chunks.map((chunk) => (chunk.type === 'text' ? chunk.text : '')).join('');
const exposed = (error: unknown): ReadonlyArray<string> => [
  String(error),
  JSON.stringify(error),
  (error as Error | undefined)?.stack ?? '',
];

/**
 * Defines the contract's specs for `subject` (call inside a mocha file).
 *
 * @example
 * ```ts
 * describeTransportContract({ name: 'node', make: ({ ca }) => { const t = nodeTransport({ ca }); return { transport: t, destroy: t.destroy }; } });
 * ```
 */
export const describeTransportContract = (subject: TransportSubject): void => {
  const gaps = subject.gaps ?? {};

  describe(`transport contract: ${subject.name}`, function () {
    this.timeout(20_000);
    const made: Array<MadeTransport> = [];
    const servers: Array<{ readonly close: () => Promise<void> }> = [];
    let pem: Pem;

    before(async () => {
      pem = await selfSignedCert();
    });
    afterEach(async () => {
      for (const m of made.splice(0)) m.destroy();
      await Promise.all(servers.splice(0).map((s) => s.close()));
    });

    const transportOf = (options: { readonly ca?: string | Uint8Array } = {}): Transport => {
      const m = subject.make(options);
      made.push(m);
      return m.transport;
    };
    const providerFor = (
      endpoint: string,
      options: { readonly ca?: string | Uint8Array; readonly maxResponseBytes?: number } = {},
    ): YqcloudProvider =>
      new YqcloudProvider({
        apiEndpoint: endpoint,
        transport: transportOf(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
      });
    const serve = async (handler: Parameters<typeof startLoopbackServer>[0], tls?: Pem): Promise<LoopbackServer> => {
      const server = await startLoopbackServer(handler, tls === undefined ? {} : { tls });
      servers.push(server);
      return server;
    };
    const track = <S extends { readonly close: () => Promise<void> }>(server: S): S => {
      servers.push(server);
      return server;
    };
    const hiThere = (tls?: Pem) => serve((_req, res) => writePieces(res, ['Hi ', 'there']), tls);

    describe('the wire', () => {
      it('POSTs the body byte for byte with its Content-Length, and the headers as given', async () => {
        const server = await hiThere();
        const body = '{"prompt":"你好 👋","n":1}';
        const request: HttpRequest = {
          url: `${server.endpoint}?q=1`,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'X-Test': 'yes' },
          body,
        };
        const { values, error } = await collect(transportOf()(request));
        expect(error).to.equal(undefined);
        expect(values[0]).to.deep.include({ type: 'head', status: 200 });
        const sent = server.requests[0];
        expect(sent).to.deep.include({ method: 'POST', url: '/api/generateStream?q=1', body });
        expect(sent?.headers).to.include({
          'content-type': 'application/json',
          'x-test': 'yes',
          'content-length': String(Buffer.byteLength(body)),
        });
        expect(sent?.headers).to.not.have.property('transfer-encoding');
      });

      it('hands over the status and headers (names in lower case), and the body an error needs', async () => {
        const server = await serve((_req, res) => {
          res.writeHead(429, { 'Retry-After': '3', 'X-Reply': 'no', 'content-type': 'text/plain' });
          res.end('slow down');
        });
        const { error } = await collect(providerFor(server.endpoint).create(hello));
        expect(error).to.include({ kind: 'Http', status: 429, body: 'slow down' });
        expect((error as YqcloudError & { retryAfterMs?: number }).retryAfterMs).to.be.within(2000, 3000);
      });

      for (const encoding of ['identity', 'gzip'] as const)
        it(`streams each piece as it arrives (${encoding}): the first before the server writes the second`, async () => {
          const second = gate();
          const server = await serve(async (_req, res) => {
            res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': encoding });
            const body = encoding === 'gzip' ? zlib.createGzip() : undefined;
            body?.pipe(res);
            const out = body ?? res;
            out.write('你好, ');
            body?.flush();
            await second.promise;
            out.end('world');
          });
          const chunks: Array<Chunk> = [];
          const done = new Promise<void>((resolve, reject) =>
            providerFor(server.endpoint)
              .create(hello)
              .subscribe({
                next: (chunk) => {
                  chunks.push(chunk);
                  second.open();
                },
                error: reject,
                complete: resolve,
              }),
          );
          // Without streaming the first chunk would wait for the second piece, which waits for it.
          expect(await within(done, 5_000)).to.not.equal('deadline');
          expect(chunks).to.deep.equal([
            { type: 'text', text: '你好, ' },
            { type: 'text', text: 'world' },
            { type: 'finish', reason: 'stop' },
          ]);
        });

      it('hands over the pieces that arrive together as one text chunk (each its own HTTP chunk, one write)', async () => {
        const server = await serve((_req, res) => {
          writeTogether(res, ['Hel', 'lo, ', 'wor', 'ld']);
          res.end();
        });
        const { values, error } = await collect(providerFor(server.endpoint).create(hello));
        expect(error).to.equal(undefined);
        expect(values).to.deep.equal([
          { type: 'text', text: 'Hello, world' },
          { type: 'finish', reason: 'stop' },
        ]);
      });

      it('a body delimited by the connection closing (no length, no chunks) completes', async () => {
        const server = track(
          await rawServer('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nuntil close', true),
        );
        const { values, error } = await collect(providerFor(server.endpoint).create(hello));
        expect(error).to.equal(undefined);
        expect(textOf(values)).to.equal('until close');
      });

      it('sequential requests share one kept-alive connection', async () => {
        const server = await hiThere();
        const provider = providerFor(server.endpoint);
        const chunks = await lastValueFrom(
          range(0, 3).pipe(
            concatMap(() => provider.create(hello)),
            toArray(),
          ),
        );
        expect(textOf(chunks)).to.equal('Hi there'.repeat(3));
        // Node's own fetch may open a second one while the first goes back to its pool.
        expect(server.connections).to.be.below(3);
      });
    });

    describe('credentials in the endpoint', () => {
      it(titled('are sent as basic authorization, %-escapes decoded', gaps.userinfo), async function () {
        if (gaps.userinfo !== undefined) this.skip();
        const server = await hiThere();
        const endpoint = server.endpoint.replace('http://', 'http://us%40er:p%3Ass@');
        const { values, error } = await collect(providerFor(endpoint).create(hello));
        expect(error).to.equal(undefined);
        expect(textOf(values)).to.equal('Hi there');
        expect(server.requests[0]?.headers.authorization).to.equal(
          `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`,
        );
      });

      it('never appear in an error', async () => {
        const secret = 's3cr3t-endpoint-pw';
        const { error } = await collect(
          providerFor(`http://user:${secret}@127.0.0.1:${await closedPort()}/api/generateStream`).create(hello),
        );
        expect(error).to.be.instanceOf(YqcloudError);
        for (const text of exposed(error)) expect(text).to.not.include(secret);
      });
    });

    describe('redirects are refused, never followed nor re-sent', () => {
      for (const status of [301, 302, 303, 307, 308]) {
        it(`${status} → Http ${status}; the target is never asked`, async () => {
          const target = await hiThere();
          const server = await serve((_req, res) => {
            res.writeHead(status, { location: target.endpoint });
            res.end();
          });
          const { values, error } = await collect(providerFor(server.endpoint).create(hello));
          expect(values).to.deep.equal([]);
          expect(error).to.include({ kind: 'Http', status });
          expect(target.requests).to.have.length(0);
          expect(server.requests).to.have.length(1);
        });
      }
    });

    describe('every final answer settles; interim ones are skipped', () => {
      const final: ReadonlyArray<readonly [string, string]> = [
        [
          '101 Switching Protocols',
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
        ],
        [
          '101 after a 100 Continue',
          'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n',
        ],
      ];
      for (const [what, answer] of final)
        it(`${what} → Http 101, never a hang${gaps.informational === undefined ? '' : ' (here: Network)'}`, async () => {
          const server = track(await rawServer(answer));
          const outcome = await within(collect(providerFor(server.endpoint).create(hello)), 5_000);
          expect(outcome, 'never settled').to.not.equal('deadline');
          expect(outcome !== 'deadline' && outcome.error).to.include(
            gaps.informational === undefined ? { kind: 'Http', status: 101 } : { kind: 'Network' },
          );
        });
      const interim: ReadonlyArray<readonly [string, string]> = [
        ['100 Continue', 'HTTP/1.1 100 Continue\r\n\r\n'],
        ['103 Early Hints', 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n'],
      ];
      for (const [what, first] of interim)
        it(
          titled(`${what}, then 200 → the reply`, what.startsWith('100') ? gaps.informational : undefined),
          async function () {
            if (what.startsWith('100') && gaps.informational !== undefined) this.skip();
            const server = track(
              await rawServer(
                `${first}HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 8\r\nconnection: close\r\n\r\nHi there`,
              ),
            );
            const { values, error } = await collect(providerFor(server.endpoint).create(hello));
            expect(error).to.equal(undefined);
            expect(textOf(values)).to.equal('Hi there');
          },
        );
    });

    describe('compressed bodies are decoded strictly', () => {
      const text = `${'The quick brown fox jumps over the lazy dog. '.repeat(400)}THE END`;
      const encodings: ReadonlyArray<readonly [string, string, (b: Buffer) => Buffer]> = [
        ['gzip', 'gzip', (b) => zlib.gzipSync(b)],
        ['x-gzip', 'x-gzip', (b) => zlib.gzipSync(b)],
        ['deflate (zlib)', 'deflate', (b) => zlib.deflateSync(b)],
        ['deflate (raw)', 'deflate', (b) => zlib.deflateRawSync(b)],
        ['br', 'br', (b) => zlib.brotliCompressSync(b)],
      ];
      for (const [what, encoding, compress] of encodings) {
        it(`${what} whole → the text`, async () => {
          const server = await serve((_req, res) => {
            res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': encoding });
            res.end(compress(Buffer.from(text)));
          });
          const { values, error } = await collect(providerFor(server.endpoint).create(hello));
          expect(error).to.equal(undefined);
          expect(textOf(values)).to.equal(text);
        });
        it(
          titled(
            `${what} cut short (with a matching Content-Length) → Network with partialText`,
            gaps.strictDecompression,
          ),
          async function () {
            if (gaps.strictDecompression !== undefined) this.skip();
            const whole = compress(Buffer.from(text));
            const cut = whole.subarray(0, Math.floor(whole.length / 2));
            const server = await serve((_req, res) => {
              res.writeHead(200, {
                'content-type': 'text/plain',
                'content-encoding': encoding,
                'content-length': String(cut.length),
              });
              res.end(cut);
            });
            const { values, error, completed } = await collect(providerFor(server.endpoint).create(hello));
            expect(completed, 'completed with half the text').to.equal(false);
            expect(error).to.be.instanceOf(YqcloudError).and.include({ kind: 'Network' });
            expect((error as YqcloudError).partialText).to.equal(textOf(values));
            expect(text.startsWith(textOf(values))).to.equal(true);
          },
        );
      }
    });

    describe('failures below HTTP are Network errors that keep what arrived', () => {
      it('a connection reset mid-body → Network ECONNRESET with partialText', async () => {
        const server = await serve((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('Hello, wor', () => res.socket?.destroy());
        });
        const { values, error } = await collect(providerFor(server.endpoint).create(hello));
        expect(textOf(values)).to.equal('Hello, wor');
        expect(error).to.include({ kind: 'Network', partialText: 'Hello, wor' });
      });

      it('a body shorter than its Content-Length → Network', async () => {
        const server = await serve((_req, res) => {
          res.writeHead(200, { 'content-length': '100', 'content-type': 'text/plain' });
          res.write('Hello, wor', () => res.socket?.destroy());
        });
        const { error, completed } = await collect(providerFor(server.endpoint).create(hello));
        expect(completed).to.equal(false);
        expect(error).to.include({ kind: 'Network' });
      });

      it('a refused connection → Network ECONNREFUSED (or the platform’s fetch failure)', async () => {
        const { values, error } = await collect(
          providerFor(`http://127.0.0.1:${await closedPort()}/api/generateStream`).create(hello),
        );
        expect(values).to.deep.equal([]);
        expect(error).to.be.instanceOf(YqcloudError).and.include({ kind: 'Network' });
      });
    });

    describe('the byte limit', () => {
      it('past maxResponseBytes → ResponseTooLarge, and the socket is closed (nothing more is read)', async () => {
        const stop = gate();
        const server = await serve(async (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const piece = 'x'.repeat(1024);
          for (let i = 0; i < 64 && !res.destroyed; i++) res.write(piece);
          await stop.promise;
          res.end();
        });
        const closed = server.socketClosed();
        const { error } = await collect(providerFor(server.endpoint, { maxResponseBytes: 4096 }).create(hello));
        expect(error).to.include({ kind: 'ResponseTooLarge' });
        expect(await within(closed, 2_000)).to.not.equal('deadline');
        stop.open();
      });
    });

    describe('cancellation closes the socket', () => {
      it('unsubscribing before the head arrives', async () => {
        const server = await serve(() => undefined);
        const arrived = server.requestReceived();
        const subscription = providerFor(server.endpoint).create(hello).subscribe();
        await arrived;
        const closed = server.socketClosed();
        subscription.unsubscribe();
        expect(await within(closed, 2_000)).to.not.equal('deadline');
      });

      it('unsubscribing mid-body', async () => {
        const server = await serve((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('Hello, ');
        });
        const closed = server.socketClosed();
        await new Promise<void>((resolve) => {
          const subscription = providerFor(server.endpoint)
            .create(hello)
            .subscribe(() => {
              subscription.unsubscribe();
              resolve();
            });
        });
        expect(await within(closed, 2_000)).to.not.equal('deadline');
      });

      it('an AbortSignal mid-body', async () => {
        const server = await serve((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('Hello, ');
        });
        const controller = new AbortController();
        const closed = server.socketClosed();
        const done = collect(providerFor(server.endpoint).create({ ...hello, signal: controller.signal }));
        await new Promise((resolve) => setTimeout(resolve, 50));
        controller.abort();
        expect(await within(closed, 2_000)).to.not.equal('deadline');
        expect(await within(done, 2_000)).to.not.equal('deadline');
      });
    });

    describe('TLS is never weakened', () => {
      it('a self-signed certificate without `ca` → Network with a TLS code; nothing is sent', async () => {
        const server = await hiThere(pem);
        const { values, error } = await collect(providerFor(server.endpoint).create(hello));
        expect(values).to.deep.equal([]);
        expect(error).to.be.instanceOf(YqcloudError).and.include({ kind: 'Network' });
        expect(server.requests).to.have.length(0);
      });

      it(titled('`ca` (PEM text or bytes) adds that certificate to the trusted ones', gaps.ca), async function () {
        if (gaps.ca !== undefined) this.skip();
        const server = await hiThere(pem);
        for (const ca of [pem.cert, new TextEncoder().encode(pem.cert)]) {
          const chunks = await lastValueFrom(providerFor(server.endpoint, { ca }).create(hello).pipe(toArray()));
          expect(textOf(chunks)).to.equal('Hi there');
        }
      });

      it(
        titled('with `ca`, a certificate for another name is still refused (the host name is checked)', gaps.ca),
        async function () {
          if (gaps.ca !== undefined) this.skip();
          const other = await certForName('elsewhere.invalid');
          const server = await hiThere(other);
          const { error } = await collect(providerFor(server.endpoint, { ca: other.cert }).create(hello));
          expect(error).to.be.instanceOf(YqcloudError).and.include({ kind: 'Network' });
          expect(server.requests).to.have.length(0);
        },
      );

      it('a polluted Object.prototype (rejectUnauthorized: false, checkServerIdentity) weakens nothing', async () => {
        const server = await hiThere(pem);
        const provider = providerFor(server.endpoint);
        const keys = { rejectUnauthorized: false, checkServerIdentity: () => undefined };
        for (const [key, value] of Object.entries(keys))
          Object.defineProperty(Object.prototype, key, { value, configurable: true, writable: true });
        let outcome: Awaited<ReturnType<typeof collect>>;
        try {
          outcome = await collect(provider.create(hello));
        } finally {
          for (const key of Object.keys(keys)) delete (Object.prototype as Record<string, unknown>)[key];
        }
        expect(outcome.error).to.be.instanceOf(YqcloudError).and.include({ kind: 'Network' });
        expect(server.requests).to.have.length(0);
      });
    });

    describe('nothing is read through Object.prototype', () => {
      const polluted: ReadonlyArray<readonly [string, unknown]> = [
        ['socketPath', '/nonexistent/yqcloud-rx.sock'],
        ['path', '/polluted'],
        ['auth', 'intruder:pw'],
        ['setHost', false],
        ['method', 'GET'],
        ['family', 6],
        ['localAddress', '203.0.113.1'],
        ['headers', { 'x-injected': '1' }],
        ['maxHeaderSize', 1],
        ['insecureHTTPParser', true],
        ['defaultPort', 1],
      ];
      for (const [key, value] of polluted)
        it(titled(`Object.prototype.${key}`, gaps.prototype), async function () {
          if (gaps.prototype !== undefined) this.skip();
          const server = await hiThere();
          const provider = providerFor(server.endpoint);
          Object.defineProperty(Object.prototype, key, { value, configurable: true, writable: true });
          let outcome: Awaited<ReturnType<typeof collect>>;
          try {
            outcome = await within(collect(provider.create(hello)), 5_000).then((o) => {
              if (o === 'deadline') throw new Error('never settled');
              return o;
            });
          } finally {
            delete (Object.prototype as Record<string, unknown>)[key];
          }
          expect(outcome.error).to.equal(undefined);
          expect(textOf(outcome.values as ReadonlyArray<Chunk>)).to.equal('Hi there');
          expect(server.requests[0]).to.deep.include({ method: 'POST', url: '/api/generateStream' });
          expect(server.requests[0]?.headers).to.not.have.property('authorization');
          expect(server.requests[0]?.headers).to.not.have.property('x-injected');
          expect(server.requests[0]?.headers.host).to.equal(`127.0.0.1:${server.port}`);
        });
    });

    describe('headers a transport is handed are checked before anything is sent', () => {
      const bad: ReadonlyArray<readonly [string, Readonly<Record<string, string>>]> = [
        ['CR LF in a value', { 'x-a': 'v\r\nx-b: evil' }],
        ['a name that is no token', { 'x a': 'v' }],
        ['a value past Latin-1', { 'x-a': '→' }],
        ['Content-Length', { 'Content-Length': '1' }],
        ['Transfer-Encoding', { 'transfer-encoding': 'chunked' }],
        ['Host', { host: 'elsewhere.example' }],
      ];
      for (const [what, headers] of bad)
        it(`${what} → InvalidRequest, and the server sees nothing`, async () => {
          const server = await hiThere();
          const events = transportOf()({ url: server.endpoint, method: 'POST', headers, body: '{}' });
          const outcome = await within(collect<ResponseEvent>(events), 5_000);
          expect(outcome).to.not.equal('deadline');
          expect(outcome !== 'deadline' && outcome.error).to.include({ kind: 'InvalidRequest' });
          expect(server.connections).to.equal(0);
        });
    });

    describe('proxies', () => {
      let proxy: ForwardProxy;
      beforeEach(async () => {
        proxy = await startForwardProxy();
      });
      afterEach(() => proxy.close());

      if (gaps.proxy !== undefined) {
        it(`a request with a proxy → InvalidRequest (proxy), nothing sent (${gaps.proxy})`, async () => {
          const server = await hiThere();
          const { error } = await collect(
            providerFor(server.endpoint).create({ ...hello, proxy: proxy.url('user', password) }),
          );
          expect(error).to.include({ kind: 'InvalidRequest', path: 'proxy' });
          expect(server.connections).to.equal(0);
          expect(proxy.forwarded).to.deep.equal([]);
        });
        return;
      }

      it('http: an absolute-URI request through the proxy, with its credentials', async () => {
        const server = await hiThere();
        const chunks = await lastValueFrom(
          providerFor(server.endpoint)
            .create({ ...hello, proxy: proxy.url('user', password) })
            .pipe(toArray()),
        );
        expect(textOf(chunks)).to.equal('Hi there');
        expect(proxy.forwarded).to.deep.equal([`POST ${server.endpoint}`]);
        expect(server.requests[0]?.headers).to.not.have.property('proxy-authorization');
      });

      it('http: wrong credentials → Http 407 with no password anywhere', async () => {
        const server = await hiThere();
        const wrong = 'wr0ng-pw';
        const { error } = await collect(
          providerFor(server.endpoint).create({ ...hello, proxy: proxy.url('user', wrong) }),
        );
        expect(error).to.include({ kind: 'Http', status: 407 });
        for (const text of exposed(error)) expect(text).to.not.include(wrong);
        expect(server.requests).to.have.length(0);
      });

      it(
        titled('https: one CONNECT tunnel for sequential requests, the target trusted through `ca`', gaps.ca),
        async function () {
          if (gaps.ca !== undefined) this.skip();
          const server = await hiThere(pem);
          const provider = providerFor(server.endpoint, { ca: pem.cert });
          const chunks = await lastValueFrom(
            range(0, 3).pipe(
              concatMap(() => provider.create({ ...hello, proxy: proxy.url('user', password) })),
              toArray(),
            ),
          );
          expect(textOf(chunks)).to.equal('Hi there'.repeat(3));
          expect(proxy.tunnels).to.deep.equal([`127.0.0.1:${server.port}`]);
          expect(server.connections).to.equal(1);
        },
      );

      it('socks5 with credentials, and socks4', async () => {
        const socks = track(await startSocksServer({ user: 'user', password }));
        const server = await hiThere();
        const provider = providerFor(server.endpoint);
        for (const url of [`socks5://user:${password}@127.0.0.1:${socks.port}`, `socks4://127.0.0.1:${socks.port}`]) {
          const chunks = await lastValueFrom(provider.create({ ...hello, proxy: url }).pipe(toArray()));
          expect(textOf(chunks)).to.equal('Hi there');
        }
        expect(socks.tunnels.map((t) => t.version)).to.deep.equal([5, 4]);
      });

      it('wrong socks5 credentials → Network with no password anywhere; the target sees nothing', async () => {
        const socks = track(await startSocksServer({ user: 'user', password }));
        const server = await hiThere();
        const wrong = 'wr0ng-socks-pw';
        const { error } = await collect(
          providerFor(server.endpoint).create({ ...hello, proxy: `socks5://user:${wrong}@127.0.0.1:${socks.port}` }),
        );
        expect(error).to.be.instanceOf(YqcloudError).and.include({ kind: 'Network' });
        for (const text of exposed(error)) expect(text).to.not.include(wrong);
        expect(server.requests).to.have.length(0);
      });
    });
  });
};
