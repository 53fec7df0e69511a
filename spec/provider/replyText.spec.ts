import { expect } from 'chai';
import fc from 'fast-check';
import { createBlockPool, type BlockPool } from '../../lib/provider/blockPool.js';
import { createReplyText } from '../../lib/provider/replyText.js';

/** Cuts `bytes` at the given points (any order, duplicates allowed). */
const cut = (bytes: Uint8Array, points: ReadonlyArray<number>): ReadonlyArray<Uint8Array> => {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  return [0, ...at].map((start, i) => bytes.subarray(start, at[i] ?? bytes.length));
};

describe('provider/replyText createReplyText', () => {
  it('has delivered nothing at first', () => {
    const reply = createReplyText();
    reply.decode('Hello');
    expect(reply).to.satisfy((r: typeof reply) => r.nothingDelivered());
    expect(reply.deliveredText()).to.equal('');
  });

  it('gives back exactly the delivered prefix of the decoded pieces, however the bytes were cut', () => {
    const body = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => new TextEncoder().encode(s)),
      fc.uint8Array({ maxLength: 60 }),
    );
    fc.assert(
      fc.property(body, fc.array(fc.nat(), { maxLength: 12 }), fc.nat(), (bytes, points, k) => {
        const reply = createReplyText();
        const decoded = cut(bytes, points).map((piece) => reply.decode(piece));
        const shown = decoded.slice(0, k % (decoded.length + 1)).filter((t) => t !== '');
        for (const text of shown) reply.delivered(text);
        expect(reply.deliveredText()).to.equal(shown.join(''));
        expect(reply.nothingDelivered()).to.equal(shown.length === 0);
      }),
      { numRuns: 500 },
    );
  });

  it('gives back the same text from long pieces cut anywhere, across several blocks', () => {
    const body = fc.oneof(
      fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
        .map((s) => new TextEncoder().encode(s.repeat(Math.ceil(9000 / (s.length + 1))))),
      fc.uint8Array({ minLength: 5000, maxLength: 9000 }),
    );
    fc.assert(
      fc.property(body, fc.array(fc.nat(), { maxLength: 6 }), fc.nat(), (bytes, points, k) => {
        const reply = createReplyText();
        const decoded = cut(bytes, points).map((piece) => reply.decode(piece));
        const rest = reply.end();
        const all = [...decoded, rest];
        const shown = all.slice(0, k % (all.length + 1)).filter((t) => t !== '');
        for (const text of shown) reply.delivered(text);
        expect(reply.deliveredText()).to.equal(shown.join(''));
      }),
      { numRuns: 300 },
    );
  });

  it('gives back the same text from hundreds of short pieces, cut inside characters', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 100, maxLength: 400 }),
        fc.array(fc.nat(), { minLength: 100, maxLength: 300 }),
        fc.nat(),
        (s, points, k) => {
          const reply = createReplyText();
          const decoded = cut(new TextEncoder().encode(s), points).map((piece) => reply.decode(piece));
          const all = [...decoded, reply.end()];
          const shown = all.slice(0, k % (all.length + 1)).filter((t) => t !== '');
          for (const text of shown) reply.delivered(text);
          expect(reply.deliveredText()).to.equal(shown.join(''));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives back a U+FEFF that starts a long piece in mid-body, and only the body’s leading one is dropped', () => {
    const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
    const reply = createReplyText();
    const pieces = [encode('\uFEFFHi '), encode(`\uFEFF${'x'.repeat(3000)}`), encode(`\uFEFF${'y'.repeat(3000)}`)];
    const decoded = pieces.map((piece) => reply.decode(piece));
    for (const text of decoded) reply.delivered(text);
    reply.decode(encode('not delivered'));
    const runs = (s: string): string =>
      s.replace(/([xyz])\1+/g, (run, ch: string) => `${ch}*${run.length}`).replace(/\uFEFF/g, '<BOM>');
    expect(runs(decoded.join(''))).to.equal('Hi <BOM>x*3000<BOM>y*3000');
    expect(runs(reply.deliveredText())).to.equal(runs(decoded.join('')));
    const startsLong = createReplyText();
    const long = startsLong.decode(encode(`\uFEFF${'z'.repeat(3000)}`));
    startsLong.delivered(long);
    expect(runs(startsLong.deliveredText())).to.equal('z*3000');
    const bomAlone = createReplyText();
    const texts = [encode('\uFEFF'), encode(`\uFEFF${'z'.repeat(3000)}`)].map((piece) => bomAlone.decode(piece));
    for (const text of texts) bomAlone.delivered(text);
    expect(runs(bomAlone.deliveredText())).to.equal('<BOM>z*3000');
  });

  it('gives back the same text when its blocks were another reply’s, while that one still streams and after it was released', () => {
    const longBody = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
      .map((s) => new TextEncoder().encode(s.repeat(Math.ceil(40_000 / (s.length + 1)))));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(longBody, fc.array(fc.nat(), { maxLength: 8 })), { minLength: 2, maxLength: 5 }),
        (bodies) => {
          const pool = createBlockPool(1 << 20);
          const given: Array<Uint8Array> = [];
          const spy: BlockPool = {
            ...pool,
            give: (blocks) => {
              given.push(...blocks);
              pool.give(blocks);
            },
          };
          let previous: { readonly reply: ReturnType<typeof createReplyText>; readonly text: string } | undefined;
          for (const [bytes, points] of bodies) {
            const reply = createReplyText(spy);
            const decoded = [...cut(bytes, points).map((piece) => reply.decode(piece)), reply.end()];
            for (const text of decoded) reply.delivered(text);
            if (previous !== undefined) {
              expect(previous.reply.deliveredText()).to.equal(previous.text);
              previous.reply.release();
            }
            expect(reply.deliveredText()).to.equal(decoded.join(''));
            previous = { reply, text: decoded.join('') };
          }
          previous?.reply.release();
          expect(given.length).to.be.greaterThan(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('release gives every block it took back to the pool', () => {
    const taken: Array<Uint8Array> = [];
    const given: Array<Uint8Array> = [];
    const pool = createBlockPool(0);
    const reply = createReplyText({
      ...pool,
      take: (bytes) => {
        const block = pool.take(bytes);
        taken.push(block);
        return block;
      },
      give: (blocks) => void given.push(...blocks),
    });
    for (let i = 0; i < 40; i++) reply.delivered(reply.decode(new TextEncoder().encode('x'.repeat(3000))));
    expect(taken.length).to.be.greaterThan(1);
    expect(given).to.have.length(0);
    reply.release();
    expect(given).to.deep.equal(taken);
  });

  it('includes what the end of the body completes, once delivered', () => {
    const reply = createReplyText();
    const first = reply.decode(new Uint8Array([0x6f, 0x6b, 0xe2, 0x82]));
    reply.delivered(first);
    const rest = reply.end();
    expect(rest).to.equal('\ufffd');
    reply.delivered(rest);
    expect(reply.deliveredText()).to.equal('ok\ufffd');
  });

  it('gives back the same text from any mix of string and byte pieces (a string right after a cut character too)', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.uint8Array({ maxLength: 8 }),
      fc.uint8Array({ minLength: 900, maxLength: 3000 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), fc.boolean(), (pieces, ended) => {
        const reply = createReplyText();
        const decoded = pieces.map((piece) => reply.decode(piece));
        if (ended) decoded.push(reply.end());
        for (const text of decoded) reply.delivered(text);
        expect(reply.deliveredText()).to.equal(decoded.join(''));
      }),
      { numRuns: 500 },
    );
  });

  it('mixes string and byte pieces in order', () => {
    const reply = createReplyText();
    for (const piece of ['Grüß ', new TextEncoder().encode('Gott'), ' €']) reply.delivered(reply.decode(piece));
    expect(reply.deliveredText()).to.equal('Grüß Gott €');
  });
});
