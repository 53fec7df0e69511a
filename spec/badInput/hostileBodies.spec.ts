/**
 * Hostile response bodies through the real provider (axios over node:http) from a loopback
 * server: bytes that are not UTF-8, one huge piece, a hundred thousand tiny ones, headers and
 * then silence, and the ban text followed by ordinary text.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { Chunk } from '../../lib/core/chunk.js';
import { YqcloudError } from '../../lib/core/error.js';
import { withTimeouts } from '../../lib/operators/withTimeouts.js';
import { banPrefix, classifyStart } from '../../lib/provider/inBand.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { collect } from '../support/collect.js';
import {
  startLoopbackServer,
  within,
  writePieces,
  type Handler,
  type LoopbackServer,
} from '../support/loopbackServer.js';
import { checkCounted } from './runCount.js';

const hello = { messages: [{ role: 'user', content: 'Hello' }] } as const;
const textChunks = (chunks: ReadonlyArray<Chunk>): ReadonlyArray<string> =>
  chunks.flatMap((c) => (c.type === 'text' ? [c.text] : []));
const joined = (chunks: ReadonlyArray<Chunk>): string => textChunks(chunks).join('');

/** Cuts `bytes` into pieces at the given offsets (sorted, deduplicated, inside the array). */
const cut = (bytes: Uint8Array, offsets: ReadonlyArray<number>): ReadonlyArray<Uint8Array> => {
  const points = [...new Set(offsets.map((o) => o % (bytes.byteLength + 1)))].sort((a, b) => a - b);
  const pieces: Array<Uint8Array> = [];
  let start = 0;
  for (const point of [...points, bytes.byteLength]) {
    if (point > start) pieces.push(bytes.subarray(start, point));
    start = Math.max(start, point);
  }
  return pieces;
};

describe('bad input: hostile bodies through the real provider', () => {
  let server: LoopbackServer;
  let provider: YqcloudProvider;
  /** What the current test's server writes; each test sets it. */
  let respond: Handler = (_req, res) => res.end('unset');

  before(async () => {
    server = await startLoopbackServer((req, res, recorded) => respond(req, res, recorded));
    provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
  });

  after(async () => {
    provider.destroy();
    await server.close();
  });

  describe('bytes that are not valid UTF-8', () => {
    // lib/http/utf8.ts decodes with a non-fatal TextDecoder in streaming mode: every malformed
    // sequence becomes U+FFFD (WHATWG "maximal subpart" rule), an incomplete sequence at the very
    // end becomes one U+FFFD, and nothing throws. The pieces a body arrives in do not matter.
    const malformed = Uint8Array.from([
      0x48,
      0x69,
      0x20, //              'Hi '
      0xff,
      0x20, //                     a byte that never occurs in UTF-8
      0xc3,
      0x28,
      0x20, //               a lead byte followed by a non-continuation
      0x80,
      0x20, //                     a lone continuation byte
      0xc0,
      0xaf,
      0x20, //               an overlong '/'
      0xed,
      0xa0,
      0x80,
      0x20, //         an encoded surrogate (U+D800)
      0xe4,
      0xbd,
      0xa0,
      0x20, //         a valid '你'
      0xe4,
      0xbd, //                     a '你' cut short by the end of the body
    ]);
    const expected = 'Hi \uFFFD \uFFFD( \uFFFD \uFFFD\uFFFD \uFFFD\uFFFD\uFFFD 你 \uFFFD';

    it('decodes them with U+FFFD replacement, as one piece', async () => {
      respond = (_req, res) => writePieces(res, [malformed]);
      const { values, error, completed } = await collect(provider.create(hello));
      expect(error).to.equal(undefined);
      expect({ completed }).to.deep.equal({ completed: true });
      expect(joined(values)).to.equal(expected);
      expect(joined(values)).to.equal(new TextDecoder().decode(malformed));
    });

    it('decodes them the same in one-byte pieces', async () => {
      respond = (_req, res) =>
        writePieces(
          res,
          [...malformed].map((b) => Uint8Array.of(b)),
        );
      const { values, completed } = await collect(provider.create(hello));
      expect({ completed }).to.deep.equal({ completed: true });
      expect(joined(values)).to.equal(expected);
      expect(textChunks(values)).to.not.include('');
    });

    it('any bytes in any pieces: the one-shot decoding, a Blocked refusal, or EmptyResponse — never a crash', async () => {
      const bytesArb = fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        // Mostly valid text with stray bytes spliced in.
        fc
          .tuple(
            fc.string({ unit: 'binary', maxLength: 40 }),
            fc.uint8Array({ maxLength: 4 }),
            fc.string({ unit: 'binary', maxLength: 40 }),
          )
          .map(([a, junk, b]) => Buffer.concat([Buffer.from(a), junk, Buffer.from(b)])),
      );
      await checkCounted(
        fc.asyncProperty(bytesArb, fc.array(fc.nat(), { maxLength: 12 }), async (bytes, offsets) => {
          const pieces = cut(bytes, offsets);
          respond = (_req, res) => writePieces(res, pieces);
          const { values, error, completed } = await collect(provider.create(hello));
          const full = new TextDecoder().decode(bytes);
          const verdict = classifyStart(full);
          if (verdict._tag === 'Blocked') {
            expect(error).to.include({ kind: 'Blocked', reason: verdict.reason, partialText: '' });
            expect(textChunks(values)).to.have.length(0);
          } else if (full === '') {
            expect(error).to.include({ kind: 'EmptyResponse' });
          } else {
            expect(error, String(error)).to.equal(undefined);
            expect({ completed }).to.deep.equal({ completed: true });
            expect(joined(values)).to.equal(full);
            expect(textChunks(values)).to.not.include('');
          }
        }),
        { numRuns: 150 },
      );
    });
  });

  it('a single 4 MiB piece arrives intact, as it streams', async () => {
    const line = 'The quick brown fox jumps over the lazy dog 0123456789.\n';
    const size = 4 * 1024 * 1024;
    const body = line.repeat(Math.ceil(size / line.length)).slice(0, size);
    respond = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    const { values, error, completed } = await collect(provider.create(hello));
    expect(error).to.equal(undefined);
    expect({ completed }).to.deep.equal({ completed: true });
    const received = joined(values);
    expect(received.length).to.equal(size);
    // Not to.equal(body): the diff of megabytes would drown the report; the first differing index says enough.
    expect(
      received === body ? -1 : [...received].findIndex((c, i) => c !== body[i]),
      'first index differing from what was sent',
    ).to.equal(-1);
    // Emitted as it arrived (socket reads), not buffered into one chunk.
    expect(textChunks(values).length).to.be.greaterThan(1);
    expect(values.at(-1)).to.deep.equal({ type: 'finish', reason: 'stop' });
  });

  it('100,000 one-byte pieces: every character delivered, the concatenation exact', async function () {
    this.timeout(30_000);
    const count = 100_000;
    const alphabet = 'The quick brown fox jumps over the lazy dog. ';
    const body = Array.from({ length: count }, (_, i) => alphabet[i % alphabet.length] ?? '').join('');
    const pieces = Array.from(Buffer.from(body, 'ascii'), (b) => Uint8Array.of(b));
    expect(pieces).to.have.length(count);
    respond = (_req, res) => writePieces(res, pieces);
    const { values, error, completed } = await collect(provider.create(hello));
    expect(error).to.equal(undefined);
    expect({ completed }).to.deep.equal({ completed: true });
    const received = joined(values);
    expect(received.length).to.equal(count);
    // Not to.equal(body): the diff of megabytes would drown the report; the first differing index says enough.
    expect(
      received === body ? -1 : [...received].findIndex((c, i) => c !== body[i]),
      'first index differing from what was sent',
    ).to.equal(-1);
    expect(textChunks(values)).to.not.include('');
  });

  describe('headers, then nothing', () => {
    it('withTimeouts({ firstChunkMs }) fails with Timeout first-chunk and the socket is closed', async () => {
      respond = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.flushHeaders();
      };
      const closed = server.socketClosed();
      const requests = server.requests.length;
      const { values, error } = await collect(provider.create(hello).pipe(withTimeouts({ firstChunkMs: 150 })));
      expect(server.requests.length).to.equal(requests + 1);
      expect(values).to.have.length(0);
      expect(error).to.be.instanceOf(YqcloudError).and.have.property('kind', 'Timeout');
      expect(error).to.include({ phase: 'first-chunk', timeoutMs: 150, partialText: '' });
      expect(await within(closed, 2000), 'the server never saw the socket close').to.not.equal('deadline');
    });

    it('and after some text, withTimeouts({ idleMs }) fails with Timeout idle, keeping the text, and closes the socket', async () => {
      respond = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.write('Hello, wor');
      };
      const closed = server.socketClosed();
      const { values, error } = await collect(
        provider.create(hello).pipe(withTimeouts({ firstChunkMs: 2000, idleMs: 150 })),
      );
      expect(joined(values)).to.equal('Hello, wor');
      expect(error).to.include({ kind: 'Timeout', phase: 'idle', partialText: 'Hello, wor' });
      expect(await within(closed, 2000)).to.not.equal('deadline');
    });
  });

  describe('the ban text', () => {
    const after = ', ip: 203.0.113.7. Hello! How can I help you today?';

    for (const [name, pieces] of [
      ['in one piece', (bytes: Uint8Array) => [bytes]],
      ['in one-byte pieces (its characters split)', (bytes: Uint8Array) => [...bytes].map((b) => Uint8Array.of(b))],
    ] as const)
      it(`a body starting with exactly the ban prefix, then normal text, is Blocked with no text emitted (${name})`, async () => {
        respond = (_req, res) => writePieces(res, pieces(Buffer.from(banPrefix + after, 'utf8')));
        const { values, error } = await collect(provider.create(hello));
        expect(textChunks(values), 'ban text leaked as assistant text').to.have.length(0);
        expect(error).to.be.instanceOf(YqcloudError).and.have.property('kind', 'Blocked');
        expect(error).to.include({ reason: 'ip-banned', partialText: '' });
        expect((error as YqcloudError).body?.slice(0, banPrefix.length)).to.equal(banPrefix);
      });

    it('the bare ban prefix, and the prefix in another case, are Blocked too', async () => {
      for (const body of [banPrefix, banPrefix.toUpperCase() + after]) {
        respond = (_req, res) => writePieces(res, [body]);
        const { values, error } = await collect(provider.create(hello));
        expect(textChunks(values)).to.have.length(0);
        expect(error).to.include({ kind: 'Blocked', reason: 'ip-banned' });
      }
    });

    it('a normal reply that merely contains the ban words later is text, all of it', async () => {
      const body = `You asked what "${banPrefix}" means: the service banned an IP.`;
      respond = (_req, res) =>
        writePieces(
          res,
          [...Buffer.from(body, 'utf8')].map((b) => Uint8Array.of(b)),
        );
      const { values, error, completed } = await collect(provider.create(hello));
      expect(error).to.equal(undefined);
      expect({ completed }).to.deep.equal({ completed: true });
      expect(joined(values)).to.equal(body);
    });

    it('a reply that starts like the ban text and then departs from it is text', async () => {
      const body = 'sorry, I cannot help with that.';
      respond = (_req, res) =>
        writePieces(
          res,
          [...body].map((c) => c),
        );
      const { values, error } = await collect(provider.create(hello));
      expect(error).to.equal(undefined);
      expect(joined(values)).to.equal(body);
    });
  });
});
