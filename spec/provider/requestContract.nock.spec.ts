import { expect } from 'chai';
import nock from 'nock';
import { lastValueFrom, toArray } from 'rxjs';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { collect } from '../support/collect.js';
import { useNock } from '../support/useNock.js';

// The exact request contract, checked with nock against the real endpoint's URL (no network).
// nock 14 intercepts through @mswjs/interceptors at the `http.ClientRequest` level, so requests
// made with the provider's own keep-alive agents are intercepted as they are (no `keepAlive:
// false` needed). The agent's sockets are nock's then, so `connection` and reuse are checked on
// a real loopback server instead (yqcloudProvider.loopback.spec.ts). nock is on for this block
// only (see useNock).
describe('provider/YqcloudProvider request contract (nock)', () => {
  useNock();
  const providers: Array<YqcloudProvider> = [];
  const provider = (options: ConstructorParameters<typeof YqcloudProvider>[0] = {}): YqcloudProvider => {
    const p = new YqcloudProvider({ now: () => 1700000000000, ...options });
    providers.push(p);
    return p;
  };

  afterEach(() => {
    for (const p of providers.splice(0)) p.destroy();
  });

  const protocolHeaders = {
    accept: 'application/json, text/plain, */*',
    'accept-language': 'en-US,en;q=0.9',
    'content-type': 'application/json',
    origin: 'https://chat9.yqcloud.top',
    referer: 'https://chat9.yqcloud.top/',
    'user-agent': (value: string) => /^Mozilla\/5\.0 \(.+\) AppleWebKit\/.+ Chrome\/[\d.]+ Safari\/[\d.]+$/.test(value),
  };

  it('POSTs to https://api.binjie.fun/api/generateStream with exactly the six keys and every header', async () => {
    let body: unknown;
    const scope = nock('https://api.binjie.fun', { reqheaders: protocolHeaders })
      .post('/api/generateStream', (b: unknown) => {
        body = b;
        return true;
      })
      .reply(200, 'Hello from nock', { 'content-type': 'text/plain; charset=utf-8' });

    const chunks = await lastValueFrom(
      provider()
        .create({
          messages: [
            { role: 'system', content: 'Answer in French' },
            { role: 'user', content: 'Hi' },
            { role: 'assistant', content: 'Salut' },
            {
              role: 'user',
              content: [
                { type: 'text', text: 'How ' },
                { type: 'text', text: 'are you?' },
              ],
            },
          ],
        })
        .pipe(toArray()),
    );

    scope.done();
    expect(body).to.deep.equal({
      prompt: 'User: Hi\nAssistant: Salut\nUser: How are you?\nAssistant:',
      userId: '#/chat/1700000000000',
      network: true,
      system: 'Answer in French',
      withoutContext: false,
      stream: true,
    });
    expect(Object.keys(body as object)).to.deep.equal([
      'prompt',
      'userId',
      'network',
      'system',
      'withoutContext',
      'stream',
    ]);
    expect(chunks).to.deep.equal([
      { type: 'text', text: 'Hello from nock' },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('sends no header the protocol does not name besides transport ones (no cookie, no auth)', async () => {
    let sent: Record<string, unknown> = {};
    const scope = nock('https://api.binjie.fun')
      .post('/api/generateStream')
      .reply(function reply() {
        sent = this.req.headers;
        return [200, 'ok'];
      });
    await lastValueFrom(provider().create({ messages: [{ role: 'user', content: 'Hi' }] }));
    scope.done();
    const transport = ['host', 'content-length', 'connection', 'accept-encoding'];
    const names = Object.keys(sent).filter((name) => !transport.includes(name));
    expect(names.sort()).to.deep.equal(Object.keys(protocolHeaders).sort());
  });

  it('the `stream` flag and an empty system are sent as given', async () => {
    let body: unknown;
    const scope = nock('https://api.binjie.fun')
      .post('/api/generateStream', (b: unknown) => {
        body = b;
        return true;
      })
      .reply(200, 'ok');
    await lastValueFrom(provider().create({ messages: [{ role: 'user', content: 'Hi' }], stream: false }));
    scope.done();
    expect(body).to.deep.include({ prompt: 'Hi', system: '', stream: false });
  });

  it('a nock-replied 429 with Retry-After maps to an Http error', async () => {
    const scope = nock('https://api.binjie.fun')
      .post('/api/generateStream')
      .reply(429, 'too many', { 'retry-after': '3' });
    const { error } = await collect(provider().create({ messages: [{ role: 'user', content: 'Hi' }] }));
    scope.done();
    expect(error).to.include({ kind: 'Http', status: 429, retryAfterMs: 3000, body: 'too many' });
  });
});
