/**
 * Issue #11, secrets stay secret: endpoint userinfo (parseable or not, passwords holding `#`,
 * `?`, `/`, `\`, a space) and credentials a server or proxy echoes back (`Authorization`,
 * `Proxy-Authorization`, their base64) appear in no message, stack, `toJSON` or CLI line.
 */
import * as util from 'node:util';
import { expect } from 'chai';
import { YqcloudError } from '../../lib/core/error.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { closedPort } from '../support/closedPort.js';
import { collect } from '../support/collect.js';
import { startLoopbackServer, type LoopbackServer } from '../support/loopbackServer.js';
import { runCli, type CliRun } from '../support/runCli.js';

const hello = { messages: [{ role: 'user', content: 'Hi' }] } as const;

/** Every text an error shows. */
const shown = (error: YqcloudError): string =>
  [
    error.message,
    String(error),
    error.stack ?? '',
    JSON.stringify(error),
    util.inspect(error, { depth: 20 }),
    error.body ?? '',
    error.cause instanceof Error ? `${error.cause.message}\n${error.cause.stack ?? ''}` : '',
  ].join('\n');

const expectNoSecret = (error: unknown, secrets: ReadonlyArray<string>): void => {
  expect(error).to.be.instanceOf(YqcloudError);
  const text = shown(error as YqcloudError);
  for (const secret of secrets) expect(text, `shows ${JSON.stringify(secret)}`).to.not.include(secret);
};

const base64 = (s: string): string => Buffer.from(s).toString('base64');

/** Answers with the request's raw headers echoed in the body, as some proxies' and servers' error pages do. */
const echoing = (status: number, contentType = 'text/plain') =>
  startLoopbackServer((req, res) => {
    const lines: Array<string> = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    const headers = lines.join('\n');
    res.writeHead(status, {
      'content-type': contentType,
      ...(status === 407 ? { 'proxy-authenticate': 'Basic' } : {}),
    });
    res.end(
      contentType === 'text/html'
        ? `<!DOCTYPE html><html><body><pre>${headers}</pre><td>${lines.join('</td><td>')}</td></body></html>`
        : `You sent:\n${headers}\n`,
    );
  });

const cli = (args: ReadonlyArray<string>): Promise<CliRun> => runCli(args);

describe('hardening: secrets stay secret', function () {
  this.timeout(30_000);
  let refused: number;
  let proxy407: LoopbackServer;
  let server401: LoopbackServer;
  let html200: LoopbackServer;
  before(async () => {
    refused = await closedPort();
    proxy407 = await echoing(407);
    server401 = await echoing(401);
    html200 = await echoing(200, 'text/html');
  });
  after(async () => {
    await Promise.all([proxy407?.close(), server401?.close(), html200?.close()]);
  });

  describe('endpoint userinfo is redacted wherever the library prints the URL, parseable or not', () => {
    const passwords = ['pw#x', 'p?ss', 'p/ss', 'p\\ss', 'p ss', 'S3cr#t?/\\ x', '12?x', 'p@ss#'];
    for (const password of passwords) {
      const endpoint = `http://alice:${password}@127.0.0.1:${0}/api/generateStream`;
      it(`password ${JSON.stringify(password)}: message, stack, JSON`, async () => {
        const url = endpoint.replace(':0/', `:${refused}/`);
        const provider = new YqcloudProvider({ apiEndpoint: url });
        const { error } = await collect(provider.create(hello));
        provider.destroy();
        expectNoSecret(error, [password, JSON.stringify(password).slice(1, -1), `alice:${password}`]);
      });
      it(`password ${JSON.stringify(password)}: the CLI's stderr`, async () => {
        const url = endpoint.replace(':0/', `:${refused}/`);
        const run = await cli(['chat', '--endpoint', url, 'hi']);
        expect(run.code).to.not.equal(0);
        expect(run.stderr).to.include('yqcloud-rx:');
        expect(run.stderr).to.not.include(password);
        expect(run.stderr).to.not.include(JSON.stringify(password).slice(1, -1));
      });
    }
  });

  describe('echoed authorization and credentials are redacted from excerpts', () => {
    it('a proxy whose 407 page echoes Proxy-Authorization', async () => {
      const provider = new YqcloudProvider({ apiEndpoint: 'http://127.0.0.1:9/api/generateStream' });
      const { error } = await collect(
        provider.create({ ...hello, proxy: `http://alice:Pr0xyPass@127.0.0.1:${proxy407.port}` }),
      );
      provider.destroy();
      expect(error).to.have.property('status', 407);
      expect((error as YqcloudError).body).to.include('You sent');
      expectNoSecret(error, ['Pr0xyPass', base64('alice:Pr0xyPass')]);
      expect((error as YqcloudError).body).to.not.match(/Basic\s+[A-Za-z0-9+/=]{4,}/);
    });

    it('a server whose 401 page echoes the Authorization the endpoint userinfo made', async () => {
      const endpoint = server401.endpoint.replace('http://', 'http://bob:EndP0intPass@');
      const provider = new YqcloudProvider({ apiEndpoint: endpoint });
      const { error } = await collect(provider.create(hello));
      provider.destroy();
      expect(error).to.have.property('status', 401);
      expectNoSecret(error, ['EndP0intPass', base64('bob:EndP0intPass')]);
    });

    it('a redirect whose Location carries unparseable credentials', async () => {
      const redirect = await startLoopbackServer((_req, res) => {
        res.writeHead(302, { location: 'http://carol:Re#d1rect@elsewhere.example/api' });
        res.end();
      });
      const provider = new YqcloudProvider({ apiEndpoint: redirect.endpoint });
      const { error } = await collect(provider.create(hello));
      provider.destroy();
      await redirect.close();
      expect(error).to.have.property('status', 302);
      expect((error as YqcloudError).message).to.include('elsewhere.example');
      expectNoSecret(error, ['Re#d1rect', 'carol:Re']);
    });

    it('a 200 HTML page echoing the request (Blocked excerpt), with the value in table cells', async () => {
      const endpoint = html200.endpoint.replace('http://', 'http://bob:Html0Pass@');
      const provider = new YqcloudProvider({ apiEndpoint: endpoint });
      const { error } = await collect(provider.create(hello));
      provider.destroy();
      expect(error).to.have.property('kind', 'Blocked');
      expectNoSecret(error, ['Html0Pass', base64('bob:Html0Pass')]);
    });
  });
});
