/**
 * Proxy credentials never leak into what a failure carries: a request through a proxy URL with
 * `user:password@` that fails (refused, reset, wrong protocol, 407, bad scheme, malformed URL)
 * yields a `YqcloudError` whose message, `String()`, `JSON.stringify()`, stack, `util.inspect()`,
 * `partialText`, `body` and `cause` hold neither the password nor `user:password` (nor its
 * Basic-auth base64).
 */
import * as util from 'node:util';
import { expect } from 'chai';
import fc from 'fast-check';
import { YqcloudError } from '../../lib/core/error.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { closedPort } from '../support/closedPort.js';
import { collect } from '../support/collect.js';
import { startLoopbackServer, type LoopbackServer } from '../support/loopbackServer.js';
import { checkCounted } from './runCount.js';

const hello = { messages: [{ role: 'user', content: 'Hi' }] } as const;

/** Every text a failure exposes, by where it comes from. */
const exposed = (error: YqcloudError): ReadonlyArray<readonly [string, string]> => {
  const cause = error.cause;
  return [
    ['message', error.message],
    ['String(error)', String(error)],
    ['JSON.stringify(error)', JSON.stringify(error)],
    ['stack', error.stack ?? ''],
    ['util.inspect(error)', util.inspect(error, { depth: 20, showHidden: true })],
    ['partialText', error.partialText],
    ['body', error.body ?? ''],
    ['cause.message', cause instanceof Error ? cause.message : String(cause ?? '')],
    ['cause.stack', cause instanceof Error ? (cause.stack ?? '') : ''],
  ];
};

/** The places where any of the secrets shows up (empty when none does). */
const leaks = (error: unknown, secrets: ReadonlyArray<string>): ReadonlyArray<string> => {
  expect(error, `not a YqcloudError: ${String(error)}`).to.be.instanceOf(YqcloudError);
  return exposed(error as YqcloudError).flatMap(([where, textValue]) =>
    secrets
      .filter((secret) => textValue.includes(secret))
      .map((secret) => `${where} contains ${JSON.stringify(secret)}`),
  );
};

const secretsOf = (user: string, password: string): ReadonlyArray<string> => [
  password,
  `${user}:${password}`,
  decodeURIComponent(password),
  Buffer.from(`${decodeURIComponent(user)}:${decodeURIComponent(password)}`).toString('base64'),
];

describe('bad input: proxy credentials never leak into errors', () => {
  let target: LoopbackServer;
  let proxy407: LoopbackServer;
  let resetter: LoopbackServer;
  let refused: number;
  let provider: YqcloudProvider;
  let httpsProvider: YqcloudProvider;

  before(async () => {
    target = await startLoopbackServer((_req, res) => res.end('should not be reached'));
    proxy407 = await startLoopbackServer((_req, res) => {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"', 'content-type': 'text/plain' });
      res.end('Proxy Authentication Required');
    });
    resetter = await startLoopbackServer((req) => req.socket.destroy());
    refused = await closedPort();
    provider = new YqcloudProvider({ apiEndpoint: target.endpoint });
    // An https target goes through a CONNECT tunnel (another agent); nothing listens on port 1.
    httpsProvider = new YqcloudProvider({ apiEndpoint: 'https://127.0.0.1:1/api/generateStream' });
  });

  after(async () => {
    // Optional chaining: when `before` failed half-way, the servers it did start still close.
    provider?.destroy();
    httpsProvider?.destroy();
    await Promise.all([target?.close(), proxy407?.close(), resetter?.close()]);
  });

  /** The ways a proxied request can fail: a name, the proxy URL for a `user:password`, the kinds expected. */
  const scenarioList: ReadonlyArray<readonly [string, (auth: string) => string, ReadonlyArray<string>]> = [
    ['a refused http proxy', (auth) => `http://${auth}@127.0.0.1:${refused}`, ['Network']],
    ['a refused https proxy', (auth) => `https://${auth}@127.0.0.1:${refused}`, ['Network']],
    ['a refused socks5 proxy', (auth) => `socks5://${auth}@127.0.0.1:${refused}`, ['Network']],
    ['a proxy that resets', (auth) => `http://${auth}@127.0.0.1:${resetter.port}`, ['Network']],
    ['a socks5 proxy that speaks HTTP', (auth) => `socks5://${auth}@127.0.0.1:${resetter.port}`, ['Network']],
    ['an https proxy that speaks plain HTTP', (auth) => `https://${auth}@127.0.0.1:${proxy407.port}`, ['Network']],
    ['a proxy answering 407', (auth) => `http://${auth}@127.0.0.1:${proxy407.port}`, ['Http']],
    ['a bad scheme', (auth) => `ftp://${auth}@proxy.example:21`, ['InvalidRequest']],
    ['a scheme-less URL', (auth) => `${auth}@127.0.0.1:3128`, ['InvalidRequest']],
    ['no host', (auth) => `http://${auth}@`, ['InvalidRequest']],
    ['a path', (auth) => `http://${auth}@127.0.0.1:3128/path`, ['InvalidRequest']],
    ['a query', (auth) => `http://${auth}@127.0.0.1:3128?q=1`, ['InvalidRequest']],
    ['a port out of range', (auth) => `http://${auth}@127.0.0.1:99999`, ['InvalidRequest']],
    ['a broken IPv6 host', (auth) => `http://${auth}@[::1`, ['InvalidRequest']],
    ['a space in the host', (auth) => `http://${auth}@pro xy:3128`, ['InvalidRequest']],
  ];

  for (const [name, urlFor, kinds] of scenarioList) {
    it(`${name} (user alice, password s3cr3t): fails as ${kinds.join('/')} without the credentials`, async () => {
      const proxyUrl = urlFor('alice:s3cr3t');
      const requests = target.requests.length;
      const { error } = await collect(provider.create({ ...hello, proxy: proxyUrl }));
      expect((error as YqcloudError).kind).to.be.oneOf(kinds);
      expect(leaks(error, secretsOf('alice', 's3cr3t'))).to.deep.equal([]);
      expect(target.requests.length, 'the target was reached around the proxy').to.equal(requests);
    });
  }

  it('through a CONNECT tunnel (https target): a 407, a reset and a refusal carry no credentials', async () => {
    for (const proxyUrl of [
      `http://alice:s3cr3t@127.0.0.1:${proxy407.port}`,
      `http://alice:s3cr3t@127.0.0.1:${resetter.port}`,
      `http://alice:s3cr3t@127.0.0.1:${refused}`,
    ]) {
      const { error } = await collect(httpsProvider.create({ ...hello, proxy: proxyUrl }));
      expect((error as YqcloudError).kind).to.be.oneOf(['Network', 'Http']);
      expect(leaks(error, secretsOf('alice', 's3cr3t'))).to.deep.equal([]);
    }
  });

  it('percent-encoded reserved characters in the password leak neither encoded nor decoded', async () => {
    const password = encodeURIComponent('s3:cr@t/p#ss?w%rd');
    for (const [, urlFor] of scenarioList) {
      const proxyUrl = urlFor(`alice:${password}`);
      const { error } = await collect(provider.create({ ...hello, proxy: proxyUrl }));
      expect(leaks(error, secretsOf('alice', password)), proxyUrl).to.deep.equal([]);
    }
  });

  it('arbitrary users and passwords never appear, whatever way the request fails', async () => {
    const safe = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~');
    const userArb = fc.string({ unit: safe, minLength: 1, maxLength: 12 }).map((s) => `u${s}`);
    const passwordArb = fc.oneof(
      fc.string({ unit: safe, minLength: 6, maxLength: 24 }).map((s) => `Pw${s}`),
      // Any characters, percent-encoded as a URL needs them.
      fc.string({ unit: 'binary', minLength: 4, maxLength: 16 }).map((s) => encodeURIComponent(`Pw${s}`)),
    );
    const scenarioArb = fc.nat({ max: scenarioList.length - 1 });
    await checkCounted(
      fc.asyncProperty(userArb, passwordArb, scenarioArb, async (user, password, index) => {
        const [name, urlFor] = scenarioList[index] ?? ['', () => ''];
        const { error } = await collect(provider.create({ ...hello, proxy: urlFor(`${user}:${password}`) }));
        expect(leaks(error, secretsOf(user, password)), name).to.deep.equal([]);
      }),
      { numRuns: 400 },
    );
  });

  it('an unencoded / ? # after a numeric start of the password does not expose it', async () => {
    for (const [password, shown] of [
      ['1234/5678', '1234'],
      ['2024?x', '2024'],
      ['12#34', '12'],
    ] as const) {
      const { error } = await collect(
        provider.create({ ...hello, proxy: `http://alice:${password}@proxy.example:3128` }),
      );
      expect(error).to.include({ kind: 'InvalidRequest' });
      expect(leaks(error, [`alice:${shown}`, password])).to.deep.equal([]);
    }
  });
});
