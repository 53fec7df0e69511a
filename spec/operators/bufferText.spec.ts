import { expect } from 'chai';
import fc from 'fast-check';
import {
  concatMap,
  from,
  map,
  of,
  Subject,
  take,
  throwError,
  timer,
  VirtualTimeScheduler,
  type Observable,
} from 'rxjs';
import { conversation, finish, text, type Chunk } from '../../lib/core/chunk.js';
import { make } from '../../lib/core/conversation.js';
import { networkError, YqcloudError } from '../../lib/core/error.js';
import { bufferText, cutAt, type BufferTextOptions, type TextBoundary } from '../../lib/operators/index.js';
import { testScheduler } from '../support/marbles.js';

const c = conversation(make('gpt-4', () => 1));

describe('operators/bufferText', () => {
  it('coalesces the text that arrives within timeMs into one chunk, and flushes before finish', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('ab-c-----d--F---|', { a: text('H'), b: text('e'), c: text('llo'), d: text('!'), F: finish });
      expectObservable(source.pipe(bufferText({ timeMs: 4 }))).toBe('----x-------(yF)|', {
        x: text('Hello'),
        y: text('!'),
        F: finish,
      });
    });
  });

  it('with boundary word never cuts inside a word, and flushes the rest before finish', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c--d-F-----|', {
        a: text('Hel'),
        b: text('lo w'),
        c: text('orld'),
        d: text('!'),
        F: finish,
      });
      expectObservable(source.pipe(bufferText({ timeMs: 3, boundary: 'word' }))).toBe('----x-----(yF)--|', {
        x: text('Hello '),
        y: text('world!'),
        F: finish,
      });
    });
  });

  it('emits once maxChars are pending, cut on the boundary', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-F---|', { a: text('one '), b: text('two th'), c: text('ree '), F: finish });
      expectObservable(source.pipe(bufferText({ maxChars: 8, boundary: 'word' }))).toBe('---x---(yF)|', {
        x: text('one two '),
        y: text('three '),
        F: finish,
      });
    });
  });

  it('keeps non-text chunks in order, flushing pending text before each', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-c-----F|', { a: text('Hi'), c, F: finish });
      expectObservable(source.pipe(bufferText({ timeMs: 10 }))).toBe('---(ac)--F|', { a: text('Hi'), c, F: finish });
    });
  });

  it('flushes pending text before passing an error on', () => {
    const error = networkError('ECONNRESET', 'reset');
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#', { a: text('Hel') }, error);
      expectObservable(source.pipe(bufferText({ timeMs: 10 }))).toBe('---(a#)', { a: text('Hel') }, error);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('unsubscribes the source and keeps no timer when the subscriber leaves', () => {
    const scheduler = new VirtualTimeScheduler();
    const source = new Subject<Chunk>();
    const subscription = source.pipe(bufferText({ timeMs: 5, scheduler })).subscribe();
    source.next(text('pending'));
    expect(scheduler.actions.filter((a) => !a.closed)).to.have.length(1);
    subscription.unsubscribe();
    expect(scheduler.actions.filter((a) => !a.closed)).to.have.length(0);
    expect(source).to.have.property('observed', false);
  });

  it('unsubscribes the source when the subscriber leaves (marbles), emitting nothing after', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-----F|', { a: text('Hel'), b: text('lo'), F: finish });
      expectObservable(source.pipe(bufferText({ timeMs: 4 })), '^--!').toBe('----');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('starts no timer when the subscriber leaves while it is handed a piece (take(1) after a maxChars cut)', () => {
    const scheduler = new VirtualTimeScheduler();
    const source = new Subject<Chunk>();
    const out: Array<Chunk> = [];
    source
      .pipe(bufferText({ timeMs: 5, maxChars: 4, boundary: 'word', scheduler }), take(1))
      .subscribe((chunk) => out.push(chunk));
    source.next(text('one two th'));
    expect(out).to.deep.equal([text('one two ')]);
    expect(source).to.have.property('observed', false);
    expect(scheduler.actions.filter((a) => !a.closed)).to.have.length(0);
  });

  it('finds boundaries: words, sentences (also CJK), lines', () => {
    expect(cutAt('word')('Hello wor')).to.equal(6);
    expect(cutAt('word')('Hello')).to.equal(0);
    expect(cutAt('sentence')('Hi there. How are')).to.equal(10);
    expect(cutAt('sentence')('你好。世界')).to.equal(3);
    expect(cutAt('sentence')('v1.2 is')).to.equal(0);
    expect(cutAt('line')('a\nb\nc')).to.equal(4);
    expect(cutAt(undefined)('abc')).to.equal(3);
  });

  it('refuses bad options with InvalidRequest when subscribed', () => {
    for (const bad of [{ timeMs: -1 }, { boundary: 'paragraph' }, { maxChars: 'x' }, { scheduler: 'now' }, null]) {
      let failure: unknown;
      expect(() =>
        of(text('a'))
          .pipe(bufferText(bad as never))
          .subscribe({ error: (e: unknown) => (failure = e) }),
      ).to.not.throw();
      expect(failure, JSON.stringify(bad)).to.be.instanceOf(YqcloudError).and.have.property('kind', 'InvalidRequest');
    }
  });

  describe('properties', () => {
    const boundaryArb = fc.constantFrom('word', 'sentence', 'line') as fc.Arbitrary<TextBoundary>;
    const optionsArb: fc.Arbitrary<BufferTextOptions> = fc.record(
      { timeMs: fc.integer({ min: 0, max: 20 }), maxChars: fc.integer({ min: 1, max: 30 }), boundary: boundaryArb },
      { requiredKeys: [] },
    );
    const pieceArb = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom(' ', '. ', '\n', '你好。', '🌏', 'a b', 'end.\n'),
    );
    /** Pieces of a reply, each arriving this many frames after the one before. */
    const replyArb = fc.array(fc.tuple(pieceArb, fc.integer({ min: 0, max: 25 })), { maxLength: 25 });
    const ending = new YqcloudError('Network', 'reset', { code: 'ECONNRESET' });

    /** The chunks at their frames on a virtual clock, then `finish` and completion, or an error. */
    const timed = (
      scheduler: VirtualTimeScheduler,
      chunks: ReadonlyArray<readonly [Chunk, number]>,
      fails: boolean,
    ): Observable<Chunk> =>
      from(chunks).pipe(
        concatMap(([chunk, gap]) => timer(gap, scheduler).pipe(map(() => chunk))),
        (o) => (fails ? o.pipe(concatMap((chunk) => (chunk === finish ? throwError(() => ending) : of(chunk)))) : o),
      );

    const runs = 300;
    it(`for any split, timing and options: the same text, non-text chunks in order, finish last, no timer left (${runs} runs)`, () => {
      fc.assert(
        fc.property(
          replyArb,
          optionsArb,
          fc.integer({ min: 0, max: 25 }),
          fc.boolean(),
          (pieces, options, conversationAt, fails) => {
            const chunks: Array<readonly [Chunk, number]> = pieces.map(([piece, gap]) => [text(piece), gap] as const);
            chunks.splice(Math.min(conversationAt, chunks.length), 0, [c, 1]);
            chunks.push([finish, 1]);
            const scheduler = new VirtualTimeScheduler();
            const out: Array<Chunk> = [];
            let completed = false;
            let failure: unknown;
            timed(scheduler, chunks, fails)
              .pipe(bufferText({ ...options, scheduler }))
              .subscribe({
                next: (chunk) => out.push(chunk),
                complete: () => (completed = true),
                error: (e: unknown) => (failure = e),
              });
            scheduler.flush();
            const texts = out.flatMap((x) => (x.type === 'text' ? [x.text] : []));
            const textBefore = (list: ReadonlyArray<Chunk>): string =>
              list
                .slice(0, list.indexOf(c))
                .map((x) => (x.type === 'text' ? x.text : ''))
                .join('');
            expect(texts.join('')).to.equal(pieces.map(([piece]) => piece).join(''));
            expect(texts).to.not.include('');
            expect(textBefore(out)).to.equal(textBefore(chunks.map(([chunk]) => chunk)));
            expect(out.filter((x) => x.type !== 'text').map((x) => x.type)).to.deep.equal(
              fails ? ['conversation'] : ['conversation', 'finish'],
            );
            if (fails) expect(failure).to.equal(ending);
            else expect([completed, out.at(-1)]).to.deep.equal([true, finish]);
            expect(scheduler.actions.filter((a) => !a.closed)).to.have.length(0);
          },
        ),
        { numRuns: runs },
      );
    });

    it(`with a boundary, every piece ends on it but a flush before a non-text chunk or the end (${runs} runs)`, () => {
      fc.assert(
        fc.property(replyArb, optionsArb, boundaryArb, (pieces, options, boundary) => {
          const chunks: Array<readonly [Chunk, number]> = [
            ...pieces.map(([piece, gap]) => [text(piece), gap] as const),
            [finish, 1],
          ];
          const scheduler = new VirtualTimeScheduler();
          const out: Array<Chunk> = [];
          timed(scheduler, chunks, false)
            .pipe(bufferText({ ...options, boundary, scheduler }))
            .subscribe((chunk) => out.push(chunk));
          scheduler.flush();
          out.forEach((chunk, i) => {
            const flushed = out[i + 1]?.type !== 'text';
            if (chunk.type === 'text' && !flushed)
              expect(cutAt(boundary)(chunk.text), JSON.stringify(chunk.text)).to.equal(chunk.text.length);
          });
        }),
        { numRuns: runs },
      );
    });
  });
});
