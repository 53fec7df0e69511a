/**
 * The clients against a hostile relay or service (issue 21, classes 5 and 12): every
 * accumulation ends as `ResponseTooLarge` below V8's string limit, a refusal is read as an excerpt
 * only, and `create()` stops a synchronous transport when unsubscribed.
 */
import { expect } from 'chai';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, Observable, take, toArray } from 'rxjs';
import { YqcloudError } from '../../lib/core/error.js';
import type { ResponseEvent } from '../../lib/http/transport.js';
import { relayReply } from '../../lib/provider/relayReply.js';
import { RelayProvider } from '../../lib/provider/relayProvider.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { collectReply } from '../support/collect.js';

const hello = [{ role: 'user' as const, content: 'hello' }];

/** A server on 127.0.0.1 answering every request with `handler`; closed by the returned function. */
const serve = async (
  handler: http.RequestListener,
): Promise<{ readonly url: string; readonly close: () => Promise<void> }> => {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/relay`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

describe('a hostile relay: refusals are read as an excerpt (class 12)', function () {
  this.timeout(20_000);

  for (const [status, headers] of [
    [500, {}],
    [401, { 'www-authenticate': 'Bearer' }],
    [429, { 'retry-after': '1' }],
    [302, { location: 'http://127.0.0.1:9/elsewhere' }],
  ] as const)
    it(`a ${status} that then trickles 1 KiB every 5 ms errors promptly`, async () => {
      const timers: Array<NodeJS.Timeout> = [];
      const relay = await serve((_req, res) => {
        res.writeHead(status, { 'content-type': 'text/plain', ...headers });
        timers.push(setInterval(() => res.write('x'.repeat(1024)), 5));
      });
      try {
        const started = Date.now();
        const { error } = await collectReply(new RelayProvider({ url: relay.url }).create({ messages: hello }));
        expect(Date.now() - started).to.be.lessThan(5000);
        expect(error).to.include({ kind: 'Http', status });
        expect(error?.body?.length ?? 0).to.be.at.most(16 * 1024);
      } finally {
        for (const t of timers) clearInterval(t);
        await relay.close();
      }
    });
});

describe('a hostile relay: huge replies (class 5, RelayProvider)', function () {
  this.timeout(60_000);

  it('520 events of 1 Mi characters: ResponseTooLarge, nothing thrown, no premature-close error', async () => {
    const event = `event: text\ndata: {"text":"${'x'.repeat(1024 * 1024)}"}\n\n`;
    const relay = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let sent = 0;
      const next = (): void => {
        while (sent < 520) {
          sent += 1;
          if (!res.write(event)) return void res.once('drain', next);
        }
        res.end('event: finish\ndata: {"reason":"stop"}\n\n');
      };
      next();
    });
    const uncaught: Array<unknown> = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.prependListener('uncaughtException', onUncaught);
    try {
      let count = 0;
      const error = await new Promise<unknown>((resolve) => {
        new RelayProvider({ url: relay.url }).create({ messages: hello }).subscribe({
          next: () => {
            count += 1;
          },
          error: resolve,
          complete: () => resolve('completed'),
        });
      });
      expect(error).to.be.instanceOf(YqcloudError);
      expect(error).to.include({ kind: 'ResponseTooLarge' });
      expect(count).to.be.lessThan(520);
    } finally {
      process.off('uncaughtException', onUncaught);
      await relay.close();
    }
    expect(uncaught).to.deep.equal([]);
  });

  it('YqcloudProvider with maxResponseBytes 2 GiB still ends a reply kept whole as ResponseTooLarge', async () => {
    const mebibyte = new Uint8Array(1024 * 1024).fill(0x61);
    const transport = () =>
      new Observable<ResponseEvent>((subscriber) => {
        subscriber.next({ type: 'head', status: 200, headers: { 'content-type': 'text/plain' } });
        let sent = 0;
        const timer = setInterval(() => {
          for (let i = 0; i < 16 && sent < 300; i++, sent++) subscriber.next({ type: 'body', data: mebibyte });
          if (sent === 300) {
            clearInterval(timer);
            subscriber.complete();
          }
        }, 0);
        return () => clearInterval(timer);
      });
    const provider = new YqcloudProvider({ transport, maxResponseBytes: 2 ** 31 });
    let delivered = 0;
    const error = await new Promise<unknown>((resolve) => {
      provider.create({ messages: hello }).subscribe({
        next: (chunk) => {
          if (chunk.type === 'text') delivered += chunk.text.length;
        },
        error: resolve,
        complete: () => resolve('completed'),
      });
    });
    expect(error).to.include({ kind: 'ResponseTooLarge' });
    expect(delivered).to.be.at.most(256 * 1024 * 1024);
    expect((error as YqcloudError).partialText.length).to.equal(delivered);
  });
});

describe('RelayProvider and a synchronous transport (RxJS contract)', () => {
  it('stops listening to a synchronous transport when unsubscribed', async () => {
    let pulled = 0;
    const transport = () =>
      new Observable<ResponseEvent>((subscriber) => {
        subscriber.next({ type: 'head', status: 200, headers: { 'content-type': 'text/event-stream' } });
        for (let i = 0; !subscriber.closed && i < 1000; i++) {
          pulled += 1;
          subscriber.next({ type: 'body', data: `event: text\ndata: {"text":"${i}"}\n\n` });
        }
      });
    const chunks = await lastValueFrom(
      relayReply(transport, { url: 'http://relay.test/', method: 'POST', headers: {}, body: '' }, Date.now).pipe(
        take(3),
        toArray(),
      ),
    );
    expect(chunks).to.have.length(3);
    expect(pulled).to.equal(3);
  });
});
