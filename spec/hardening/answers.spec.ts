/**
 * Issue #11, answers that must settle correctly: every final status settles the stream (a `101`
 * is an error, never a hang), a compressed body cut short is `Network` with `partialText`, and an
 * in-band refusal is caught wherever the body starts (after whitespace, in either wording, any
 * case) while a reply that cannot become one is not held back.
 */
import * as zlib from 'node:zlib';
import { expect } from 'chai';
import { YqcloudError } from '../../lib/core/error.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { collect } from '../support/collect.js';
import { rawServer } from '../support/rawServer.js';
import { gate, startLoopbackServer, within, type LoopbackServer } from '../support/loopbackServer.js';

const hello = { messages: [{ role: 'user', content: 'Hi' }] } as const;

describe('hardening: answers that must settle correctly', function () {
  this.timeout(20_000);

  describe('every final answer settles the stream', () => {
    const answers: ReadonlyArray<readonly [string, string, number]> = [
      [
        '101 Switching Protocols',
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
        101,
      ],
      [
        '101 with a body after it',
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\nHello',
        101,
      ],
      [
        '101 after a 100 Continue',
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n',
        101,
      ],
    ];
    for (const [what, answer, status] of answers) {
      it(`${what} → Http ${status}, for create and for await`, async () => {
        const server = await rawServer(answer);
        const provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
        try {
          const outcome = await within(collect(provider.create(hello)), 3_000);
          expect(outcome, 'create() never settled').to.not.equal('deadline');
          const { error } = outcome as Awaited<ReturnType<typeof collect>>;
          expect(error).to.be.instanceOf(YqcloudError);
          expect(error).to.include({ kind: 'Http', status });
          const loop = (async () => {
            for await (const _chunk of provider.createAsyncGenerator(hello));
          })().then(
            () => 'ended',
            (e: unknown) => (e instanceof YqcloudError ? e.kind : 'other'),
          );
          expect(await within(loop, 3_000)).to.equal('Http');
        } finally {
          provider.destroy();
          await server.close();
        }
      });
    }
  });

  describe('a compressed body cut short is a Network error with partialText', () => {
    const text = `${'The quick brown fox jumps over the lazy dog. '.repeat(400)}THE END`;
    const encodings: ReadonlyArray<readonly [string, (b: Buffer) => Buffer]> = [
      ['gzip', (b) => zlib.gzipSync(b)],
      ['x-gzip', (b) => zlib.gzipSync(b)],
      ['deflate', (b) => zlib.deflateSync(b)],
      ['br', (b) => zlib.brotliCompressSync(b)],
    ];
    let servers: Array<LoopbackServer> = [];
    after(async () => {
      await Promise.all(servers.map((s) => s.close()));
      servers = [];
    });

    for (const [encoding, compress] of encodings) {
      for (const fraction of [0.5, 0.9]) {
        it(`${encoding} cut at ${fraction * 100}% with a correct Content-Length`, async () => {
          const whole = compress(Buffer.from(text));
          const cut = whole.subarray(0, Math.floor(whole.length * fraction));
          const server = await startLoopbackServer((_req, res) => {
            res.writeHead(200, {
              'content-type': 'text/plain; charset=utf-8',
              'content-encoding': encoding,
              'content-length': String(cut.length),
            });
            res.end(cut);
          });
          servers.push(server);
          const provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
          const { error, values, completed } = await collect(provider.create(hello));
          provider.destroy();
          expect(completed, 'completed with part of the text').to.equal(false);
          expect(error).to.be.instanceOf(YqcloudError);
          expect(error).to.have.property('kind', 'Network');
          const delivered = values.map((c) => (c.type === 'text' ? c.text : '')).join('');
          expect((error as YqcloudError).partialText).to.equal(delivered);
          expect(text.startsWith(delivered)).to.equal(true);
        });
      }
      it(`${encoding} whole still streams the reply`, async () => {
        const whole = compress(Buffer.from(text));
        const server = await startLoopbackServer((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': encoding });
          res.end(whole);
        });
        servers.push(server);
        const provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
        const { values, completed, error } = await collect(provider.create(hello));
        provider.destroy();
        expect(completed, String(error)).to.equal(true);
        expect(values.map((c) => (c.type === 'text' ? c.text : '')).join('')).to.equal(text);
      });
    }
  });

  describe('in-band refusals wherever the body starts', () => {
    const refusals: ReadonlyArray<readonly [string, string]> = [
      ['\nsorry, 您的ip已由于触发防滥用检测而被封禁, ip: 1.2.3.4', 'ip-banned'],
      ['\r\nsorry, 您的ip已由于触发防滥用检测而被封禁', 'ip-banned'],
      ['   SORRY, 您的IP已由于触发防滥用检测而被封禁', 'ip-banned'],
      ['\t\n \r\n流量异常，请尝试更换网络环境', 'abnormal-traffic'],
      ['Sorry, your IP has been blocked due to triggering anti-abuse detection, please try again later', 'ip-banned'],
      ['\n\nsorry, YOUR IP HAS BEEN BLOCKED DUE TO TRIGGERING ANTI-ABUSE DETECTION.', 'ip-banned'],
      ['\ufeff  <!doctype html><p>gateway</p>', 'html-page'],
      ['\u200b\u3000sorry，您的ip已由于触发防滥用检测而被封禁', 'ip-banned'],
    ];
    let server: LoopbackServer;
    let body = '';
    let pieceChars = 1;
    before(async () => {
      server = await startLoopbackServer(async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        const chars = [...body];
        for (let i = 0; i < chars.length; i += pieceChars) {
          res.write(chars.slice(i, i + pieceChars).join(''));
          await new Promise((resolve) => setImmediate(resolve));
        }
        res.end();
      });
    });
    after(async () => {
      await server?.close();
    });

    for (const [refusal, reason] of refusals)
      for (const size of [1, 5, 1000]) {
        it(`${JSON.stringify(refusal.slice(0, 40))} in pieces of ${size} → Blocked ${reason}, no text`, async () => {
          body = refusal;
          pieceChars = size;
          const provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
          const { values, error } = await collect(provider.create(hello));
          provider.destroy();
          expect(values.filter((c) => c.type === 'text')).to.deep.equal([]);
          expect(error).to.be.instanceOf(YqcloudError);
          expect(error).to.include({ kind: 'Blocked', reason });
        });
      }

    for (const reply of ['\nSorry, I cannot help with that.', '  sorry, your idea is good', '\r\nHello there']) {
      it(`${JSON.stringify(reply)} is the assistant's reply`, async () => {
        body = reply;
        pieceChars = 3;
        const provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
        const { values, completed } = await collect(provider.create(hello));
        provider.destroy();
        expect(completed).to.equal(true);
        expect(values.map((c) => (c.type === 'text' ? c.text : '')).join('')).to.equal(reply);
      });
    }

    it('a reply after leading whitespace is delivered as soon as it cannot become a refusal', async () => {
      const rest = gate();
      const held = await startLoopbackServer(async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.write('\n\nHel');
        await rest.promise;
        res.end('lo');
      });
      const provider = new YqcloudProvider({ apiEndpoint: held.endpoint });
      try {
        const first = new Promise<string>((resolve) => {
          const subscription = provider.create(hello).subscribe((chunk) => {
            if (chunk.type === 'text') resolve(chunk.text);
          });
          void rest.promise.then(() => subscription.unsubscribe());
        });
        expect(await within(first, 2_000)).to.equal('\n\nHel');
      } finally {
        rest.open();
        provider.destroy();
        await held.close();
      }
    });
  });
});
