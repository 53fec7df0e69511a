/**
 * The Node transports (axios, the default, and nodeTransport()) hand over the pieces of the body
 * that arrive together (one socket read) at once: the reply emits one text chunk per arrival.
 * These specs hold the rest of the reply to what it was piece by piece: the byte limit, in-band
 * refusals across pieces and arrivals, the order against the body's end and errors, and nothing
 * passed on once the relay is released.
 */
import * as http from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';
import { createDefaultTransport } from '../../lib/http/defaultTransport.js';
import type { EventSink } from '../../lib/http/directTransport.js';
import { relayBody } from '../../lib/http/nodeResponse.js';
import { nodeTransport } from '../../lib/http/nodeTransport.js';
import type { ResponseEvent, Transport } from '../../lib/http/transport.js';
import { banPrefix } from '../../lib/provider/inBand.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { collect } from '../support/collect.js';
import { startLoopbackServer, writeTogether, type LoopbackServer } from '../support/loopbackServer.js';

const hello = { messages: [{ role: 'user', content: 'Hello' }] } as const;

const transports: ReadonlyArray<{
  readonly name: string;
  readonly make: () => { transport: Transport; destroy: () => void };
}> = [
  {
    name: 'axios (the default)',
    make: () => {
      const owned = createDefaultTransport({ axios: undefined, ca: undefined, keepAlive: true });
      return { transport: owned.transport, destroy: owned.destroy };
    },
  },
  {
    name: 'nodeTransport()',
    make: () => {
      const transport = nodeTransport();
      return { transport, destroy: transport.destroy };
    },
  },
];

/** A sink that writes down what it is handed. */
const recordingSink = (): EventSink & { readonly seen: Array<string>; closed: boolean } => {
  const seen: Array<string> = [];
  const sink = {
    seen,
    closed: false,
    next: (event: ResponseEvent) => {
      seen.push(event.type === 'head' ? 'head' : `body ${Buffer.from(event.data).toString()}`);
    },
    body: (data: Uint8Array) => {
      seen.push(`body ${Buffer.from(data).toString()}`);
    },
    bodyRead: (pieces: ReadonlyArray<Uint8Array>) => {
      seen.push(`read ${pieces.map((piece) => Buffer.from(piece).toString()).join('|')}`);
    },
    error: (e: unknown) => {
      if (sink.closed) return;
      sink.closed = true;
      seen.push(`error ${(e as { kind?: string }).kind}`);
    },
    complete: () => {
      if (sink.closed) return;
      sink.closed = true;
      seen.push('complete');
    },
  };
  return sink;
};

describe('http: the pieces of one arrival go on together', () => {
  const servers: Array<LoopbackServer> = [];
  const owned: Array<() => void> = [];
  const serve = async (handler: Parameters<typeof startLoopbackServer>[0]): Promise<LoopbackServer> => {
    const server = await startLoopbackServer(handler);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    for (const destroy of owned.splice(0)) destroy();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  for (const subject of transports)
    describe(subject.name, () => {
      const providerFor = (server: LoopbackServer, maxResponseBytes?: number): YqcloudProvider => {
        const made = subject.make();
        owned.push(made.destroy);
        return new YqcloudProvider({
          apiEndpoint: server.endpoint,
          transport: made.transport,
          ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
        });
      };

      it('an arrival that passes maxResponseBytes: the pieces within it are one chunk, the one past it fails the reply', async () => {
        const server = await serve((_req, res) => {
          writeTogether(res, ['a'.repeat(40), 'a'.repeat(40), 'b'.repeat(40)]);
          res.end();
        });
        const { values, error } = await collect(providerFor(server, 100).create(hello));
        expect(values).to.deep.equal([{ type: 'text', text: 'a'.repeat(80) }]);
        expect(error).to.include({ kind: 'ResponseTooLarge', limitBytes: 100, partialText: 'a'.repeat(80) });
      });

      it('an arrival exactly at maxResponseBytes is the reply', async () => {
        const server = await serve((_req, res) => {
          writeTogether(res, ['a'.repeat(50), 'b'.repeat(50)]);
          res.end();
        });
        const chunks = await lastValueFrom(providerFor(server, 100).create(hello).pipe(toArray()));
        expect(chunks).to.deep.equal([
          { type: 'text', text: `${'a'.repeat(50)}${'b'.repeat(50)}` },
          { type: 'finish', reason: 'stop' },
        ]);
      });

      it('the ban text cut inside characters, across the pieces of one arrival and across arrivals, is Blocked with no text', async () => {
        const bytes = Buffer.from(`${banPrefix}，请更换网络 and more`);
        const pieces = Array.from({ length: Math.ceil(bytes.length / 5) }, (_, i) => bytes.subarray(i * 5, i * 5 + 5));
        const half = Math.floor(pieces.length / 2);
        const server = await serve(async (_req, res) => {
          writeTogether(res, pieces.slice(0, half));
          await new Promise((resolve) => setTimeout(resolve, 30));
          res.socket?.cork();
          for (const piece of pieces.slice(half)) res.write(piece);
          res.socket?.uncork();
          res.end();
        });
        const { values, error } = await collect(providerFor(server).create(hello));
        expect(values).to.deep.equal([]);
        expect(error).to.include({ kind: 'Blocked', reason: 'ip-banned', partialText: '' });
      });
    });

  describe('relayBody', () => {
    const respond = (server: LoopbackServer): Promise<http.IncomingMessage> =>
      new Promise((resolve, reject) => http.get(server.endpoint, { agent: false }, resolve).on('error', reject));

    it('hands a sink the pieces of one read through bodyRead, before the body’s completion', async () => {
      const server = await serve((_req, res) => {
        writeTogether(res, ['a', 'b', 'c']);
        res.end();
      });
      const sink = recordingSink();
      relayBody(await respond(server), undefined, sink);
      while (!sink.closed) await nextTurn();
      expect(sink.seen).to.deep.equal(['read a|b|c', 'complete']);
    });

    it('hands a sink without bodyRead (an RxJS subscriber) the pieces of one read joined, as one body event', async () => {
      const server = await serve((_req, res) => {
        writeTogether(res, ['Hel', 'lo']);
        res.end();
      });
      const transport = nodeTransport();
      owned.push(transport.destroy);
      const { values } = await collect(
        transport({
          url: server.endpoint,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
      );
      expect(values.filter((e) => e.type === 'body').map((e) => Buffer.from(e.data).toString())).to.deep.equal([
        'Hello',
      ]);
    });

    it('passes on the pieces that arrived before a reset, then the error', async () => {
      const server = await serve((_req, res) => {
        writeTogether(res, ['a', 'b']);
        setTimeout(() => res.socket?.resetAndDestroy(), 30);
      });
      const sink = recordingSink();
      relayBody(await respond(server), undefined, sink);
      while (!sink.closed) await nextTurn();
      expect(sink.seen).to.deep.equal(['read a|b', 'error Network']);
    });

    it('passes on nothing of a read once released in the middle of it (no later microtask emits it)', async () => {
      const server = await serve((_req, res) => {
        writeTogether(res, ['a', 'b', 'c']);
      });
      const sink = recordingSink();
      const body = await respond(server);
      const relay = relayBody(body, undefined, sink);
      const read = new Promise<void>((resolve) =>
        // Runs after the relay's own listener, for the same piece: the relay is released mid-read.
        body.once('data', () => {
          sink.closed = true;
          relay.release();
          body.destroy();
          resolve();
        }),
      );
      await read;
      await nextTurn();
      await nextTurn();
      expect(sink.seen).to.deep.equal([]);
    });
  });
});
