import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { concatMap, lastValueFrom, range, toArray } from 'rxjs';
import { YqcloudError } from '../../lib/core/error.js';
import type { Chunk } from '../../lib/core/chunk.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { collect } from '../support/collect.js';
import { startLoopbackServer, writePieces, type LoopbackServer } from '../support/loopbackServer.js';
import { selfSignedCert } from '../support/selfSignedCert.js';
import { startSocksServer } from '../support/socksServer.js';
import { password, startForwardProxy, type ForwardProxy } from '../support/forwardProxy.js';

const hello = [{ role: 'user', content: 'Hello' }] as const;
const joined = (chunks: ReadonlyArray<Chunk>): string =>
  chunks.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('');

describe('provider/YqcloudProvider through a forward proxy and over TLS', () => {
  let proxy: ForwardProxy;
  let cert: string;
  let key: string;
  const servers: Array<LoopbackServer> = [];
  const providers: Array<YqcloudProvider> = [];

  before(async () => {
    ({ cert, key } = await selfSignedCert());
  });
  beforeEach(async () => {
    proxy = await startForwardProxy();
  });
  afterEach(async () => {
    for (const provider of providers.splice(0)) provider.destroy();
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await proxy.close();
  });

  const serve = async (tls: boolean): Promise<LoopbackServer> => {
    const server = await startLoopbackServer(
      (_req, res) => writePieces(res, ['Hi ', 'there']),
      tls ? { tls: { key, cert } } : {},
    );
    servers.push(server);
    return server;
  };
  const providerFor = (server: LoopbackServer, options: ConstructorParameters<typeof YqcloudProvider>[0] = {}) => {
    const provider = new YqcloudProvider({ apiEndpoint: server.endpoint, ...options });
    providers.push(provider);
    return provider;
  };

  describe('an http target', () => {
    it('goes through the proxy as an absolute-URI request with the credentials', async () => {
      const server = await serve(false);
      const chunks = await lastValueFrom(
        providerFor(server)
          .create({ messages: hello, proxy: proxy.url('user', password) })
          .pipe(toArray()),
      );
      expect(joined(chunks)).to.equal('Hi there');
      expect(proxy.forwarded).to.deep.equal([`POST ${server.endpoint}`]);
      expect(server.requests).to.have.length(1);
      expect(server.requests[0]?.headers['proxy-authorization']).to.equal(undefined);
    });

    it('wrong credentials are an Http 407 error whose message and JSON hold no password', async () => {
      const server = await serve(false);
      const wrong = 'wr0ng-pw';
      const { values, error } = await collect(
        providerFor(server).create({ messages: hello, proxy: proxy.url('user', wrong) }),
      );
      expect(values).to.deep.equal([]);
      expect(error).to.include({ kind: 'Http', status: 407 });
      const exposed = [String(error), (error as Error).message, JSON.stringify(error), (error as Error).stack ?? ''];
      for (const text of exposed) expect(text).to.not.include(wrong);
      expect(server.requests).to.have.length(0);
    });
  });

  describe('an https target', () => {
    it('goes through a CONNECT tunnel, trusting the `ca` option', async () => {
      const server = await serve(true);
      const chunks = await lastValueFrom(
        providerFor(server, { ca: cert })
          .create({ messages: hello, proxy: proxy.url('user', password) })
          .pipe(toArray()),
      );
      expect(joined(chunks)).to.equal('Hi there');
      expect(proxy.tunnels).to.deep.equal([`127.0.0.1:${server.port}`]);
      expect(proxy.forwarded).to.deep.equal([]);
      expect(server.requests).to.have.length(1);
    });

    it('a refused CONNECT is an Http 407 error whose message and JSON hold no password', async () => {
      const server = await serve(true);
      const wrong = 'wr0ng-tunnel-pw';
      const { error } = await collect(
        providerFor(server, { ca: cert }).create({ messages: hello, proxy: proxy.url('user', wrong) }),
      );
      expect(error).to.include({ kind: 'Http', status: 407 });
      const exposed = [String(error), JSON.stringify(error), (error as Error).stack ?? ''];
      for (const text of exposed) expect(text).to.not.include(wrong);
      expect(server.requests).to.have.length(0);
    });
  });

  describe('connection reuse through the proxy', () => {
    it('sequential requests to an https target share one CONNECT tunnel', async () => {
      const server = await serve(true);
      const provider = providerFor(server, { ca: cert });
      const chunks = await lastValueFrom(
        range(0, 5).pipe(
          concatMap(() => provider.create({ messages: hello, proxy: proxy.url('user', password) })),
          toArray(),
        ),
      );
      expect(chunks.filter((c) => c.type === 'finish')).to.have.length(5);
      expect(proxy.tunnels).to.have.length(1);
      expect(server.connections).to.equal(1);
    });
  });

  describe('an https proxy (TLS to the proxy itself)', () => {
    let tlsProxy: ForwardProxy;
    beforeEach(async () => {
      tlsProxy = await startForwardProxy({ key, cert });
    });
    afterEach(() => tlsProxy.close());

    it('carries an http target, trusting the proxy’s certificate through `ca`', async () => {
      const server = await serve(false);
      const chunks = await lastValueFrom(
        providerFor(server, { ca: cert })
          .create({ messages: hello, proxy: tlsProxy.url('user', password) })
          .pipe(toArray()),
      );
      expect(joined(chunks)).to.equal('Hi there');
      expect(tlsProxy.forwarded).to.deep.equal([`POST ${server.endpoint}`]);
    });

    it('tunnels to an https target', async () => {
      const server = await serve(true);
      const chunks = await lastValueFrom(
        providerFor(server, { ca: cert })
          .create({ messages: hello, proxy: tlsProxy.url('user', password) })
          .pipe(toArray()),
      );
      expect(joined(chunks)).to.equal('Hi there');
      expect(tlsProxy.tunnels).to.deep.equal([`127.0.0.1:${server.port}`]);
    });

    it('an untrusted proxy certificate is a Network error with no password in it', async () => {
      const server = await serve(false);
      const { error } = await collect(
        providerFor(server).create({ messages: hello, proxy: tlsProxy.url('user', password) }),
      );
      expect(error).to.be.instanceOf(YqcloudError).and.have.property('kind', 'Network');
      for (const text of [String(error), JSON.stringify(error), (error as Error).stack ?? ''])
        expect(text).to.not.include(password);
      expect(server.requests).to.have.length(0);
    });
  });

  describe('a SOCKS proxy (spec/support/socksServer.ts)', () => {
    const socksServers: Array<{ readonly close: () => Promise<void> }> = [];
    afterEach(async () => {
      await Promise.all(socksServers.splice(0).map((s) => s.close()));
    });
    const socksWith = async (options: Parameters<typeof startSocksServer>[0] = {}) => {
      const socks = await startSocksServer(options);
      socksServers.push(socks);
      return socks;
    };

    it('socks5 with a username and password carries the request to an http target', async () => {
      const socks = await socksWith({ user: 'user', password });
      const server = await serve(false);
      const chunks = await lastValueFrom(
        providerFor(server)
          .create({ messages: hello, proxy: `socks5://user:${password}@127.0.0.1:${socks.port}` })
          .pipe(toArray()),
      );
      expect(joined(chunks)).to.equal('Hi there');
      expect(socks.tunnels).to.deep.equal([{ version: 5, user: 'user', target: `127.0.0.1:${server.port}` }]);
      expect(server.requests).to.have.length(1);
    });

    it('socks5h tunnels to an https target, trusting the `ca` option inside the tunnel', async () => {
      const socks = await socksWith();
      const server = await serve(true);
      const chunks = await lastValueFrom(
        providerFor(server, { ca: cert })
          .create({ messages: hello, proxy: `socks5h://127.0.0.1:${socks.port}` })
          .pipe(toArray()),
      );
      expect(joined(chunks)).to.equal('Hi there');
      expect(socks.tunnels).to.deep.equal([{ version: 5, user: '', target: `127.0.0.1:${server.port}` }]);
    });

    it('socks4 carries the request, and sequential requests share one tunnel', async () => {
      const socks = await socksWith();
      const server = await serve(false);
      const provider = providerFor(server);
      const chunks = await lastValueFrom(
        range(0, 3).pipe(
          concatMap(() => provider.create({ messages: hello, proxy: `socks4://127.0.0.1:${socks.port}` })),
          toArray(),
        ),
      );
      expect(joined(chunks)).to.equal('Hi there'.repeat(3));
      expect(socks.tunnels).to.deep.equal([{ version: 4, user: '', target: `127.0.0.1:${server.port}` }]);
      expect(socks.connections).to.equal(1);
      expect(server.requests).to.have.length(3);
    });

    it('wrong socks5 credentials are a Network error with no password in it, and the target sees nothing', async () => {
      const socks = await socksWith({ user: 'user', password });
      const server = await serve(false);
      const wrong = 'wr0ng-socks-pw';
      const { values, error } = await collect(
        providerFor(server).create({ messages: hello, proxy: `socks5://user:${wrong}@127.0.0.1:${socks.port}` }),
      );
      expect(values).to.deep.equal([]);
      expect(error).to.be.instanceOf(YqcloudError).and.have.property('kind', 'Network');
      for (const text of [String(error), JSON.stringify(error), (error as Error).stack ?? ''])
        expect(text).to.not.include(wrong);
      expect(socks.refusals).to.equal(1);
      expect(socks.tunnels).to.deep.equal([]);
      expect(server.requests).to.have.length(0);
    });
  });

  describe('a socks5 proxy URL that reaches no SOCKS server', () => {
    it('a refused socks proxy is a Network error with no password in it', async () => {
      const server = await serve(false);
      const closed = await startLoopbackServer(() => {});
      const port = closed.port;
      await closed.close();
      const { error } = await collect(
        providerFor(server).create({ messages: hello, proxy: `socks5://user:${password}@127.0.0.1:${port}` }),
      );
      expect(error).to.include({ kind: 'Network', code: 'ECONNREFUSED' });
      for (const text of [String(error), JSON.stringify(error), (error as Error).stack ?? ''])
        expect(text).to.not.include(password);
      expect(server.requests).to.have.length(0);
    });

    it('a server that does not speak SOCKS is a Network error, and the target sees nothing', async () => {
      const server = await serve(false);
      const notSocks = net.createServer((socket) => socket.resume().end('HTTP/1.1 400 Bad Request\r\n\r\n'));
      await new Promise<void>((resolve) => notSocks.listen(0, '127.0.0.1', resolve));
      const { port } = notSocks.address() as AddressInfo;
      const { error } = await collect(
        providerFor(server).create({ messages: hello, proxy: `socks5://user:${password}@127.0.0.1:${port}` }),
      );
      await new Promise<void>((resolve) => notSocks.close(() => resolve()));
      expect(error).to.be.instanceOf(YqcloudError).and.have.property('kind', 'Network');
      for (const text of [String(error), JSON.stringify(error)]) expect(text).to.not.include(password);
      expect(server.requests).to.have.length(0);
    });
  });

  describe('a self-signed certificate', () => {
    it('is rejected without `ca`: a Network error with a TLS code, nothing delivered', async () => {
      const server = await serve(true);
      const { values, error } = await collect(providerFor(server).create({ messages: hello }));
      expect(values).to.deep.equal([]);
      expect(error).to.be.instanceOf(YqcloudError).and.have.property('kind', 'Network');
      expect((error as YqcloudError).code).to.match(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/);
      expect(server.requests).to.have.length(0);
    });

    it('is accepted with `ca`', async () => {
      const server = await serve(true);
      const chunks = await lastValueFrom(providerFor(server, { ca: cert }).create({ messages: hello }).pipe(toArray()));
      expect(joined(chunks)).to.equal('Hi there');
      expect(server.requests).to.have.length(1);
    });

    it('`ca` given as bytes works too', async () => {
      const server = await serve(true);
      const chunks = await lastValueFrom(
        providerFor(server, { ca: new TextEncoder().encode(cert) })
          .create({ messages: hello })
          .pipe(toArray()),
      );
      expect(joined(chunks)).to.equal('Hi there');
    });
  });
});
