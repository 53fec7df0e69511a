import { expect } from 'chai';
import fc from 'fast-check';
import { from, of, Subject, VirtualTimeScheduler } from 'rxjs';
import { conversation, finish, text, type Chunk } from '../../lib/core/chunk.js';
import { make } from '../../lib/core/conversation.js';
import { networkError, YqcloudError } from '../../lib/core/error.js';
import { bufferText, cutAt, type BufferTextOptions } from '../../lib/operators/index.js';
import { testScheduler } from '../support/marbles.js';

const c = conversation(make('gpt-4', () => 1));

describe('operators/bufferText', () => {
  it('coalesces the text that arrives within timeMs into one chunk, and flushes before finish', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('ab-c-----d--F---|', { a: text('H'), b: text('e'), c: text('llo'), d: text('!'), F: finish });
      expectObservable(source.pipe(bufferText({ timeMs: 4 }))).toBe('----x-------(yF)|', { x: text('Hello'), y: text('!'), F: finish });
    });
  });

  it('with boundary word never cuts inside a word, and flushes the rest before finish', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c--d-F-----|', { a: text('Hel'), b: text('lo w'), c: text('orld'), d: text('!'), F: finish });
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
    expect(source.observed).to.equal(false);
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
      expect(() => of(text('a')).pipe(bufferText(bad as never)).subscribe({ error: (e: unknown) => (failure = e) })).to.not.throw();
      expect(YqcloudError.is(failure, 'InvalidRequest'), JSON.stringify(bad)).to.equal(true);
    }
  });

  describe('properties (300 runs each)', () => {
    const optionsArb: fc.Arbitrary<BufferTextOptions> = fc.record(
      {
        timeMs: fc.integer({ min: 0, max: 20 }),
        maxChars: fc.integer({ min: 1, max: 30 }),
        boundary: fc.constantFrom('word', 'sentence', 'line') as fc.Arbitrary<'word' | 'sentence' | 'line'>,
      },
      { requiredKeys: [] },
    );
    const replyArb = fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(' ', '. ', '\n', '你好。', '🌏')), { maxLength: 25 });

    it('for any split of a reply and any options: the same text, non-text chunks in order, finish last', () => {
      fc.assert(
        fc.property(replyArb, optionsArb, fc.integer({ min: 0, max: 25 }), (pieces, options, conversationAt) => {
          const nonEmpty = pieces.filter((p) => p !== '');
          const chunks: Array<Chunk> = nonEmpty.map(text);
          chunks.splice(Math.min(conversationAt, chunks.length), 0, c);
          chunks.push(finish);
          const scheduler = new VirtualTimeScheduler();
          const out: Array<Chunk> = [];
          let completed = false;
          from(chunks)
            .pipe(bufferText({ ...options, scheduler }))
            .subscribe({ next: (chunk) => out.push(chunk), complete: () => (completed = true) });
          scheduler.flush();
          const texts = out.filter((x) => x.type === 'text').map((x) => (x as { text: string }).text);
          const textBefore = (list: ReadonlyArray<Chunk>): string =>
            list
              .slice(0, list.indexOf(c))
              .map((x) => (x.type === 'text' ? x.text : ''))
              .join('');
          return (
            completed &&
            texts.join('') === nonEmpty.join('') &&
            texts.every((t) => t !== '') &&
            out.filter((x) => x.type !== 'text').map((x) => x.type).join() === 'conversation,finish' &&
            out.at(-1) === finish &&
            textBefore(out) === textBefore(chunks)
          );
        }),
        { numRuns: 300 },
      );
    });

    it('with a boundary, every piece but the last flush ends on that boundary', () => {
      fc.assert(
        fc.property(replyArb, fc.constantFrom('word', 'sentence', 'line') as fc.Arbitrary<'word' | 'sentence' | 'line'>, (pieces, boundary) => {
          const scheduler = new VirtualTimeScheduler();
          const source = new Subject<Chunk>();
          const out: Array<string> = [];
          source.pipe(bufferText({ timeMs: 1, boundary, scheduler })).subscribe((x) => x.type === 'text' && out.push(x.text));
          for (const piece of pieces.filter((p) => p !== '')) {
            source.next(text(piece));
            scheduler.flush();
          }
          const beforeFlush = out.length;
          source.next(finish);
          return out.slice(0, beforeFlush).every((piece) => cutAt(boundary)(piece) === piece.length);
        }),
        { numRuns: 300 },
      );
    });
  });
});
