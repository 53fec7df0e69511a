import { expect } from 'chai';
import axios from 'axios';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { firstValueFrom, Observable } from 'rxjs';
import { defaultMaxResponseBytes, validateProviderOptions, yqcloudApiEndpoint } from '../../lib/provider/options.js';
import { Yqcloud, YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { collect } from '../support/collect.js';

describe('provider/options validateProviderOptions', () => {
  it('fills the defaults', () => {
    const config = validateProviderOptions(undefined);
    expect(E.isRight(config) && config.right).to.deep.include({
      // read from YQCLOUD_API_ENDPOINT, else the real service, when each request is made
      apiEndpoint: undefined,
      headers: {},
      maxResponseBytes: defaultMaxResponseBytes,
      keepAlive: true,
      headersTimeoutMs: 30_000,
      firstChunkTimeoutMs: 60_000,
    });
    expect(new YqcloudProvider().apiEndpoint).to.equal(yqcloudApiEndpoint);
    expect(defaultMaxResponseBytes).to.equal(8 * 1024 * 1024);
  });

  it('never throws, on anything', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true }), (u) => {
        const config = validateProviderOptions(u);
        if (E.isLeft(config)) expect(config.left.kind).to.equal('InvalidRequest');
      }),
    );
  });

  const rejected: ReadonlyArray<readonly [string, unknown, string]> = [
    ['a non-object', 'http://x', ''],
    ['an unknown option', { timeout: 5 }, 'timeout'],
    ['an endpoint that is not a URL', { apiEndpoint: 'nope' }, 'apiEndpoint'],
    ['an endpoint of another scheme', { apiEndpoint: 'ftp://x/y' }, 'apiEndpoint'],
    ['a header value with CR/LF', { headers: { 'x-a': 'v\r\nInjected: 1' } }, 'headers.x-a'],
    ['a header value with a bare LF', { headers: { 'x-a': 'v\nx' } }, 'headers.x-a'],
    ['a header name with CR/LF', { headers: { 'x-a\r\nx-b': 'v' } }, 'headers.x-a\r\nx-b'],
    ['a non-boolean keepAlive', { keepAlive: 'yes' }, 'keepAlive'],
    ['a zero maxResponseBytes', { maxResponseBytes: 0 }, 'maxResponseBytes'],
    ['a fractional maxResponseBytes', { maxResponseBytes: 1.5 }, 'maxResponseBytes'],
    ['a ca that is not PEM', { ca: 'trust me' }, 'ca'],
    ['an axios that is not one', { axios: {} }, 'axios'],
  ];
  for (const [name, options, path] of rejected)
    it(`rejects ${name}`, () => {
      const config = validateProviderOptions(options);
      expect(E.isLeft(config) && config.left).to.include({ kind: 'InvalidRequest', path });
    });

  it('accepts an axios instance, a PEM string and bytes', () => {
    expect(
      validateProviderOptions({ axios: axios.create(), ca: '-----BEGIN CERTIFICATE-----\n…', keepAlive: false }),
    ).to.have.property('_tag', 'Right');
    expect(validateProviderOptions({ ca: new Uint8Array([1]) })).to.have.property('_tag', 'Right');
  });
});

describe('provider/YqcloudProvider metadata and construction', () => {
  it('Yqcloud carries gpt4free’s metadata', () => {
    expect(Yqcloud).to.include({
      url: 'https://chat9.yqcloud.top',
      apiEndpoint: 'https://api.binjie.fun/api/generateStream',
      working: true,
      supportsStream: true,
      supportsSystemMessage: true,
      supportsMessageHistory: true,
      defaultModel: 'gpt-4',
    });
    expect(Yqcloud.models).to.deep.equal(['gpt-4']);
  });

  it('bad options do not throw: every request fails with the InvalidRequest that names them', async () => {
    const provider = new YqcloudProvider({ headers: { 'x-a': 'v\r\nx-b: evil' } });
    const { error } = await collect(provider.create({ messages: [{ role: 'user', content: 'Hi' }] }));
    expect(error).to.include({ kind: 'InvalidRequest', path: 'headers.x-a' });
    expect(YqcloudProvider.fromOptions({ keepAlive: 1 })).to.have.property('_tag', 'Left');
    expect(YqcloudProvider.fromOptions({})).to.have.property('_tag', 'Right');
  });

  it('plugs a transport in at the seam (no network)', async () => {
    const provider = new YqcloudProvider({
      transport: () =>
        new Observable((s) => {
          s.next({ type: 'head', status: 200, headers: {} });
          s.next({ type: 'body', data: 'from the seam' });
          s.complete();
        }),
    });
    expect(await firstValueFrom(provider.create({ messages: [{ role: 'user', content: 'Hi' }] }))).to.deep.equal({
      type: 'text',
      text: 'from the seam',
    });
  });
});
