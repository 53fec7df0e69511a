/**
 * Issue #11, requests that must never leave as sent: framing and hop-by-hop headers from the
 * caller, values read through a prototype or read twice, a `ca` that is no certificate, a proxy
 * credential with a broken `%`-escape. Each case is refused with `InvalidRequest` and the
 * loopback server sees nothing.
 */
import { expect } from 'chai';
import { YqcloudError } from '../../lib/core/error.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { collect } from '../support/collect.js';
import { startLoopbackServer, type LoopbackServer } from '../support/loopbackServer.js';
import { selfSignedCert } from '../support/selfSignedCert.js';

const hello = { messages: [{ role: 'user', content: 'Hi' }] } as const;

const expectInvalid = (error: unknown, mentioning: string): void => {
  expect(error).to.be.instanceOf(YqcloudError);
  expect(error).to.have.property('kind', 'InvalidRequest');
  expect((error as YqcloudError).message.toLowerCase()).to.include(mentioning.toLowerCase());
};

describe('hardening: requests that must never leave as sent', () => {
  let server: LoopbackServer;
  before(async () => {
    server = await startLoopbackServer((_req, res) => res.end('Hello'));
  });
  after(async () => {
    await server?.close();
  });

  describe('framing and hop-by-hop headers from the caller are refused, naming the header', () => {
    const framing = [
      ['host', 'example.com'],
      ['Content-Length', '11'],
      ['content-length', '999'],
      ['Transfer-Encoding', 'chunked'],
      ['CONNECTION', 'close'],
      ['upgrade', 'websocket'],
      ['Keep-Alive', 'timeout=5'],
      ['te', 'trailers'],
      ['Trailer', 'x-a'],
      ['expect', '100-continue'],
      ['Proxy-Authorization', 'Basic Zm9vOmJhcg=='],
      ['proxy-connection', 'keep-alive'],
    ] as const;

    for (const [name, value] of framing) {
      it(`provider option headers: ${name}`, async () => {
        const before = server.requests.length;
        const provider = new YqcloudProvider({ apiEndpoint: server.endpoint, headers: { [name]: value } });
        const { error } = await collect(provider.create(hello));
        provider.destroy();
        expectInvalid(error, name);
        expect(server.requests).to.have.length(before);
      });

      it(`request headers: ${name}`, async () => {
        const before = server.requests.length;
        const provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
        const { error } = await collect(provider.create({ ...hello, headers: { [name]: value } } as never));
        provider.destroy();
        expectInvalid(error, name);
        expect(server.requests).to.have.length(before);
      });
    }

    it('an ordinary extra header per request is sent', async () => {
      const provider = new YqcloudProvider({ apiEndpoint: server.endpoint, headers: { 'x-a': 'provider' } });
      const received = server.requestReceived();
      const { completed } = await collect(provider.create({ ...hello, headers: { 'X-B': 'request' } } as never));
      provider.destroy();
      expect(completed).to.equal(true);
      const { headers } = await received;
      expect(headers).to.include({ 'x-a': 'provider', 'x-b': 'request' });
    });
  });

  describe('only own properties count (a polluted Object.prototype changes nothing)', () => {
    const polluted = {
      proxy: 'http://127.0.0.1:1',
      headers: { 'x-polluted': 'yes' },
      transport: () => {
        throw new Error('the polluted transport was used');
      },
      now: () => 7,
      conversation: { model: 'gpt-4', userId: '#/chat/7', messageHistory: [] },
      returnConversation: true,
      model: 'gpt-5',
    } as const;

    for (const [key, value] of Object.entries(polluted)) {
      it(`Object.prototype.${key}`, async () => {
        const received = server.requestReceived();
        Object.defineProperty(Object.prototype, key, { value, configurable: true, writable: true });
        let result: Awaited<ReturnType<typeof collect>>;
        let provider: YqcloudProvider | undefined;
        try {
          provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
          result = await collect(provider.create({ messages: [{ role: 'user', content: 'Hi' }] }));
        } finally {
          delete (Object.prototype as Record<string, unknown>)[key];
          provider?.destroy();
        }
        expect(result.error).to.equal(undefined);
        expect(result.values.map((c) => (c as { type: string }).type)).to.deep.equal(['text', 'finish']);
        const request = await received;
        expect(request.headers).to.not.have.property('x-polluted');
        expect(JSON.parse(request.body)).to.have.property('userId').that.does.not.equal('#/chat/7');
      });
    }

    it('a message missing its content is refused even when Object.prototype.content is set', async () => {
      const provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
      Object.defineProperty(Object.prototype, 'content', { value: 'x', configurable: true, writable: true });
      let error: unknown;
      try {
        ({ error } = await collect(provider.create({ messages: [{ role: 'user' }] } as never)));
      } finally {
        delete (Object.prototype as Record<string, unknown>).content;
        provider.destroy();
      }
      expectInvalid(error, 'content');
    });
  });

  describe('every value is read once: a getter that flips after validation changes nothing', () => {
    const flipping = <A>(first: A, later: unknown): { readonly reads: () => number; readonly get: () => unknown } => {
      let reads = 0;
      return { reads: () => reads, get: () => (reads++ === 0 ? first : later) };
    };

    const cases: ReadonlyArray<readonly [string, () => { request: object; reads: () => number }]> = [
      [
        'request.messages',
        () => {
          const f = flipping([{ role: 'user', content: 'Hi' }], 42);
          return { request: Object.defineProperty({}, 'messages', { get: f.get, enumerable: true }), reads: f.reads };
        },
      ],
      [
        'message.content',
        () => {
          const f = flipping('Hi', { notText: true });
          const message = Object.defineProperty({ role: 'user' }, 'content', { get: f.get, enumerable: true });
          return { request: { messages: [message] }, reads: f.reads };
        },
      ],
      [
        'request.conversation',
        () => {
          const f = flipping({ model: 'gpt-4', userId: '#/chat/1', messageHistory: [] }, 'not a conversation');
          return {
            request: Object.defineProperty({ messages: [{ role: 'user', content: 'Hi' }] }, 'conversation', {
              get: f.get,
              enumerable: true,
            }),
            reads: f.reads,
          };
        },
      ],
      [
        'conversation.messageHistory',
        () => {
          const f = flipping([], null);
          const conversation = Object.defineProperty({ model: 'gpt-4', userId: '#/chat/1' }, 'messageHistory', {
            get: f.get,
            enumerable: true,
          });
          return { request: { messages: [{ role: 'user', content: 'Hi' }], conversation }, reads: f.reads };
        },
      ],
      [
        'request.proxy',
        () => {
          const f = flipping(undefined, { not: 'a string' });
          return {
            request: Object.defineProperty({ messages: [{ role: 'user', content: 'Hi' }] }, 'proxy', {
              get: f.get,
              enumerable: true,
            }),
            reads: f.reads,
          };
        },
      ],
    ];

    for (const [where, make] of cases) {
      it(where, async () => {
        const provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
        const { request, reads } = make();
        const { error, completed } = await collect(provider.create(request as never));
        provider.destroy();
        if (!completed) expect(error).to.be.instanceOf(YqcloudError);
        expect(completed, String(error)).to.equal(true);
        expect(reads()).to.equal(1);
      });
    }

    it('provider options: a flipping apiEndpoint is read once', async () => {
      const f = flipping(server.endpoint, 42);
      const options = Object.defineProperty({}, 'apiEndpoint', { get: f.get, enumerable: true });
      const provider = YqcloudProvider.fromOptions(options);
      expect(provider).to.have.property('_tag', 'Right');
      const p = (provider as { right: YqcloudProvider }).right;
      const { completed, error } = await collect(p.create(hello));
      p.destroy();
      expect(completed, String(error)).to.equal(true);
      expect(f.reads()).to.equal(1);
    });
  });

  describe('`ca` must be an X.509 certificate', () => {
    const notCertificates: ReadonlyArray<readonly [string, () => Promise<string | Uint8Array>]> = [
      ['random bytes', async () => new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])],
      ['a private key', async () => (await selfSignedCert()).key],
      ['a bogus BEGIN block', async () => '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n'],
      ['text with BEGIN in it', async () => 'hello -----BEGIN world'],
      [
        'a certificate followed by a bogus block',
        async () => `${(await selfSignedCert()).cert}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`,
      ],
    ];
    for (const [what, make] of notCertificates) {
      it(`${what} → InvalidRequest naming ca, nothing sent`, async () => {
        const before = server.requests.length;
        const provider = new YqcloudProvider({ apiEndpoint: server.endpoint, ca: await make() });
        const { error } = await collect(provider.create(hello));
        provider.destroy();
        expectInvalid(error, 'ca');
        expect(server.requests).to.have.length(before);
      });
    }

    it('a real certificate is accepted', async () => {
      const provider = new YqcloudProvider({ apiEndpoint: server.endpoint, ca: (await selfSignedCert()).cert });
      const { completed, error } = await collect(provider.create(hello));
      provider.destroy();
      expect(completed, String(error)).to.equal(true);
    });
  });

  describe('proxy credentials with a broken %-escape are InvalidRequest', () => {
    for (const proxy of [
      'http://us%er:pw@127.0.0.1:3128',
      'http://user:p%zzw@127.0.0.1:3128',
      'socks5://user:%E0%A4%A@127.0.0.1:1080',
      'https://user:pw%@127.0.0.1:3128',
    ]) {
      it(proxy.replace(/:[^:@/]*@/, ':***@'), async () => {
        const before = server.requests.length;
        const provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
        const { error } = await collect(provider.create({ ...hello, proxy }));
        provider.destroy();
        expectInvalid(error, 'proxy');
        expect((error as YqcloudError).message).to.not.include('pw');
        expect(server.requests).to.have.length(before);
      });
    }
  });
});
