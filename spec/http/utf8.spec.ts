import { expect } from 'chai';
import fc from 'fast-check';
import { from, lastValueFrom, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createUtf8Decoder, decodeUtf8 } from '../../lib/http/utf8.js';
import { synchronousSource } from '../support/synchronousSource.js';

const encoder = new TextEncoder();

/** Any string (no lone surrogates, no U+FFFD of its own, no leading BOM, which decoders drop). */
const stringArb = fc
  .string({ unit: 'binary', maxLength: 60 })
  .filter((s) => !s.includes('\uFFFD') && !s.startsWith('\uFEFF'));

/** The bytes of a string cut at arbitrary places (empty pieces included). */
const splitArb = stringArb.chain((s) => {
  const bytes = encoder.encode(s);
  return fc
    .uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: Math.min(bytes.length + 1, 12) })
    .map((cuts) => {
      const at = [0, ...cuts.sort((a, b) => a - b), bytes.length];
      return { s, pieces: at.slice(1).map((end, i) => bytes.subarray(at[i], end)) };
    });
});

describe('http/utf8', () => {
  describe('createUtf8Decoder', () => {
    it('holds a character split across pieces until it is complete', () => {
      const d = createUtf8Decoder();
      expect(d.push(Uint8Array.of(0xe4, 0xbd))).to.equal('');
      expect(d.push(Uint8Array.of(0xa0, 0x41))).to.equal('你A');
      expect(d.end()).to.equal('');
    });

    it('any split of any string’s bytes decodes to the same string, never with U+FFFD', () => {
      fc.assert(
        fc.property(splitArb, ({ s, pieces }) => {
          const d = createUtf8Decoder();
          const out = pieces.map((p) => d.push(p));
          out.push(d.end());
          expect(out.join('')).to.equal(s);
          expect(out.filter((t) => t.includes('\uFFFD'))).to.deep.equal([]);
        }),
      );
    });

    it('passes strings through, flushing held bytes first', () => {
      const d = createUtf8Decoder();
      expect(d.push('abc')).to.equal('abc');
      expect(d.push(Uint8Array.of(0xe4))).to.equal('');
      expect(d.push('x')).to.equal('\uFFFDx');
    });

    it('ends an incomplete sequence as U+FFFD, once', () => {
      const d = createUtf8Decoder();
      d.push(Uint8Array.of(0xf0, 0x9f));
      expect(d.end()).to.equal('\uFFFD');
      expect(d.end()).to.equal('');
    });

    it('drops a leading byte-order mark, as text decoders do, even split', () => {
      const d = createUtf8Decoder();
      expect(d.push(Uint8Array.of(0xef, 0xbb, 0xbf, 0x41))).to.equal('A');
      const split = createUtf8Decoder();
      expect(
        [split.push(Uint8Array.of(0xef)), split.push(Uint8Array.of(0xbb, 0xbf)), split.push(Uint8Array.of(0x41))].join(
          '',
        ),
      ).to.equal('A');
    });

    it('keeps a U+FEFF that is not at the start of the body, after a string piece too', () => {
      const d = createUtf8Decoder();
      expect(d.push(Uint8Array.of(0x41, 0xe4))).to.equal('A');
      expect(d.push('b')).to.equal('\uFFFDb');
      expect(d.push(Uint8Array.of(0xef, 0xbb, 0xbf, 0x43))).to.equal('\uFEFFC');
    });
  });

  describe('createUtf8Decoder against a streaming TextDecoder', () => {
    /** What `TextDecoder` with `stream: true` gives per piece (the body's leading BOM dropped). */
    const streamingDecoder = () => {
      const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
      let atStart = true;
      let pending = false;
      const fromStart = (text: string): string => {
        if (!atStart || text === '') return text;
        atStart = false;
        return text.startsWith('\uFEFF') ? text.slice(1) : text;
      };
      return {
        push: (bytes: Uint8Array) => {
          pending = true;
          return fromStart(decoder.decode(bytes, { stream: true }));
        },
        end: () => (pending ? fromStart(decoder.decode()) : ''),
      };
    };
    /** Bytes biased to the edges of the Encoding Standard's ranges, valid or not. */
    const edgyByte = fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(
        0x41,
        0x80,
        0x8f,
        0x90,
        0x9f,
        0xa0,
        0xbb,
        0xbf,
        0xc0,
        0xc1,
        0xc2,
        0xe0,
        0xed,
        0xef,
        0xf0,
        0xf4,
        0xf5,
      ),
    );

    const sameAsReference = (bytes: ReadonlyArray<Uint8Array>): void => {
      const ours = createUtf8Decoder();
      const reference = streamingDecoder();
      expect([...bytes.map((piece) => ours.push(piece)), ours.end()]).to.deep.equal([
        ...bytes.map((piece) => reference.push(piece)),
        reference.end(),
      ]);
    };

    it('gives, piece by piece, the same text for any bytes, malformed ones too, cut anywhere', () => {
      fc.assert(
        fc.property(fc.array(fc.array(edgyByte, { maxLength: 7 }), { maxLength: 10 }), (pieces) =>
          sameAsReference(pieces.map((piece) => Uint8Array.from(piece))),
        ),
        { numRuns: 5000 },
      );
    });

    it('gives the same text for long pieces (past the short-piece path), ASCII or not, valid or not', () => {
      const longText = fc.string({ unit: 'binary', maxLength: 600 });
      fc.assert(
        fc.property(fc.array(fc.array(edgyByte, { maxLength: 400 }), { maxLength: 6 }), (pieces) =>
          sameAsReference(pieces.map((piece) => Uint8Array.from(piece))),
        ),
        { numRuns: 1000 },
      );
      fc.assert(
        fc.property(fc.array(longText, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (texts, cuts) => {
          const all = encoder.encode(texts.join(''));
          const at = [0, ...cuts.map((cut) => cut % (all.length + 1)).sort((a, b) => a - b), all.length];
          sameAsReference(at.slice(1).map((end, i) => all.subarray(at[i], end)));
        }),
        { numRuns: 1000 },
      );
    });

    it('gives the same text for Node Buffers (a socket’s pieces), offset into a larger buffer, malformed too', () => {
      fc.assert(
        fc.property(
          fc.array(fc.array(edgyByte, { maxLength: 140 }), { maxLength: 10 }),
          fc.nat({ max: 8 }),
          (pieces, offset) =>
            sameAsReference(
              pieces.map((piece) => Buffer.concat([Buffer.alloc(offset, 0xbf), Buffer.from(piece)]).subarray(offset)),
            ),
        ),
        { numRuns: 3000 },
      );
    });
  });

  describe('decodeUtf8', () => {
    it('should stop listening to a synchronous observable when unsubscribed', () => {
      const { source, emitted } = synchronousSource(() => encoder.encode('ab'));
      const out: Array<string> = [];
      source.pipe(decodeUtf8(), take(5)).subscribe((text) => out.push(text));
      expect(out).to.deep.equal(['ab', 'ab', 'ab', 'ab', 'ab']);
      expect(emitted()).to.equal(5);
    });

    it('never emits empty text and loses nothing, for any split', async () => {
      await fc.assert(
        fc.asyncProperty(splitArb, async ({ s, pieces }) => {
          const out = await lastValueFrom(from(pieces).pipe(decodeUtf8(), toArray()));
          expect(out.join('')).to.equal(s);
          expect(out).to.not.include('');
        }),
      );
    });

    it('emits as soon as a character completes (marbles)', () => {
      new TestScheduler((a, b) => {
        expect(a).to.deep.equal(b);
      }).run(({ cold, expectObservable }) => {
        const source = cold('-a-b-c-|', {
          a: Uint8Array.of(0xe4, 0xbd),
          b: Uint8Array.of(0xa0, 0x41),
          c: Uint8Array.of(0xf0, 0x9f, 0x98),
        });
        expectObservable(source.pipe(decodeUtf8())).toBe('---b---(c|)', { b: '你A', c: '\uFFFD' });
      });
    });

    it('passes errors on', () => {
      new TestScheduler((a, b) => {
        expect(a).to.deep.equal(b);
      }).run(({ cold, expectObservable }) => {
        expectObservable(cold('-a-#', { a: encoder.encode('hi') }, 'boom').pipe(decodeUtf8())).toBe(
          '-a-#',
          { a: 'hi' },
          'boom',
        );
      });
    });
  });
});
