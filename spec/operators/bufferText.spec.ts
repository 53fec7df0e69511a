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
import { textBoundaries } from '../../lib/operators/textBoundary.js';
import { testScheduler } from '../support/marbles.js';
import { thrownBy } from '../support/thrownBy.js';

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

  it('a Chinese reply without spaces reaches the screen word by word (five pieces over 500 ms, timeMs 50)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 99ms b 99ms c 99ms d 99ms e 99ms (F|)', {
        a: text('你好！我是'),
        b: text('一个人工'),
        c: text('智能助手。'),
        d: text('有什么可以'),
        e: text('帮你的吗？'),
        F: finish,
      });
      expectObservable(source.pipe(bufferText({ timeMs: 50, boundary: 'word' }))).toBe(
        '50ms p 49ms q 99ms r 99ms s 99ms t 99ms (uF|)',
        {
          p: text('你好！'),
          q: text('我是一个'),
          r: text('人工智能'),
          s: text('助手。有什么'),
          t: text('可以帮你的'),
          u: text('吗？'),
          F: finish,
        },
      );
    });
  });

  it('ends sentences after their closing punctuation (。」 and ！）), without spaces', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a--b--c-(F|)', {
        a: text('他说：「你'),
        b: text('好。」然'),
        c: text('后走了！）'),
        F: finish,
      });
      expectObservable(source.pipe(bufferText({ timeMs: 3, boundary: 'sentence' }))).toBe('----x----(yF|)', {
        x: text('他说：「你好。」'),
        y: text('然后走了！）'),
        F: finish,
      });
    });
  });

  it('keeps a word with its closing punctuation, and an opening bracket with its word', () => {
    expect(cutAt('word')('今天很好。」我们')).to.equal(6);
    expect(cutAt('word')('他走了！）还有')).to.equal(5);
    expect(cutAt('word')('好的。「はい')).to.equal(3);
    expect(cutAt('word')('好。')).to.equal(0);
  });

  it('never splits a grapheme the network split: an emoji and its modifier, a ZWJ sequence, Hangul jamo', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-d-e-(F|)', {
        a: text('ok 👍'),
        b: text('🏽 👨\u200d'),
        c: text('👩\u200d👧 \u1112'),
        d: text('\u1161\u11ab'),
        e: text('!'),
        F: finish,
      });
      expectObservable(source.pipe(bufferText({ timeMs: 2, boundary: 'grapheme' }))).toBe('---x-y---z-(vF|)', {
        x: text('ok 👍🏽 '),
        y: text('👨\u200d👩\u200d👧 '),
        z: text('\u1112\u1161\u11ab'),
        v: text('!'),
        F: finish,
      });
    });
  });

  it('a reply with no boundary still flushes on time: after maxWaitMs on the next finer boundary, the last grapheme held', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 9ms b 19ms (F|)', { a: text('😀😀'), b: text('😀😀😀'), F: finish });
      expectObservable(source.pipe(bufferText({ timeMs: 5, boundary: 'word', maxWaitMs: 10 }))).toBe(
        '10ms x 19ms (yF|)',
        {
          x: text('😀😀😀😀'),
          y: text('😀'),
          F: finish,
        },
      );
    });
  });

  it('falls back from line to word to grapheme without cutting an opening bracket from its word', () => {
    // fast-check's counterexample: after "Hello", "「Hello" was cut after 「, one tick too many
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('(ab)F', { a: text('\n'), b: text('Hello「Hello'), F: finish });
      expectObservable(source.pipe(bufferText({ timeMs: 1, boundary: 'line', maxWaitMs: 0 }))).toBe('-xyz(wF)', {
        x: text('\n'),
        y: text('Hello'),
        z: text('「Hell'),
        w: text('o'),
        F: finish,
      });
    });
    expect(cutAt('word')('「Hello')).to.equal(0);
    expect(cutAt('word')('"Hello')).to.equal(0);
  });

  it('finds the boundary at the end of a long pending text without segmenting all of it', () => {
    const long = [
      '😀'.repeat(50_000),
      '你好！我是一个人工智能助手。'.repeat(8_000),
      'Hello world, this is text. '.repeat(30_000),
    ];
    const started = performance.now();
    for (const pending of long) for (const boundary of textBoundaries) cutAt(boundary)(pending);
    // Iterating every segment took 9 s for the emoji alone (V8 12); looking at the end takes milliseconds.
    expect(performance.now() - started).to.be.below(2_000);
    expect(cutAt('word')(long[1] ?? '')).to.equal((long[1]?.length ?? 0) - 3);
  });

  it('refuses an unknown option instead of using the default (timems for timeMs)', () => {
    expect(thrownBy(() => bufferText({ timems: 100 } as BufferTextOptions)))
      .to.be.instanceOf(YqcloudError)
      .and.include({ kind: 'InvalidRequest', path: 'bufferText.timems' });
  });

  it('throws InvalidRequest for a bad option when created, as RxJS operators do', () => {
    for (const bad of [{ timeMs: -1 }, { boundary: 'paragraph' }, { maxChars: 'x' }, { scheduler: 'now' }, null]) {
      expect(
        thrownBy(() => bufferText(bad as never)),
        JSON.stringify(bad),
      )
        .to.be.instanceOf(YqcloudError)
        .and.have.property('kind', 'InvalidRequest');
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

    /** Text atoms of several scripts, some of them halves of one grapheme (a modifier, a ZWJ, a jamo). */
    const atomArb = fc.constantFrom(
      'Hello',
      ' ',
      'world',
      '. ',
      'v1.2',
      ',',
      '\n',
      'can',
      "'t",
      '你好',
      '。',
      '」',
      '「',
      '世界',
      '！',
      '）',
      '今天天气很好',
      '？',
      'こんにちは',
      '、',
      'はい',
      '안녕하세요',
      '세계',
      '\u1112',
      '\u1161',
      '\u11ab',
      '👍',
      '🏽',
      '👨',
      '\u200d',
      '👩',
      '👧',
      '🇯',
      '🇵',
      'e',
      '\u0301',
    );
    /** A reply as pieces of whole atoms, each arriving this many frames after the one before. */
    const mixedReplyArb = fc.array(
      fc.tuple(
        fc.array(atomArb, { minLength: 1, maxLength: 4 }).map((atoms) => atoms.join('')),
        fc.integer({ min: 0, max: 25 }),
      ),
      { maxLength: 25 },
    );
    const anyBoundaryArb = fc.constantFrom('word', 'sentence', 'line', 'grapheme') as fc.Arbitrary<TextBoundary>;
    const graphemeEnds = (whole: string): ReadonlySet<number> =>
      new Set(
        [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(whole)].map(
          (g) => g.index + g.segment.length,
        ),
      );

    /** What comes out, with the frame of each chunk. */
    const runTimed = (
      chunks: ReadonlyArray<readonly [Chunk, number]>,
      options: BufferTextOptions,
    ): ReadonlyArray<readonly [Chunk, number]> => {
      const scheduler = new VirtualTimeScheduler();
      const out: Array<readonly [Chunk, number]> = [];
      timed(scheduler, chunks, false)
        .pipe(bufferText({ ...options, scheduler }))
        .subscribe((chunk) => out.push([chunk, scheduler.now()]));
      scheduler.flush();
      return out;
    };

    it(`over mixed-script text, with any boundary: nothing lost or reordered, no chunk cut inside a grapheme (${runs} runs)`, () => {
      fc.assert(
        fc.property(mixedReplyArb, optionsArb, anyBoundaryArb, (pieces, options, boundary) => {
          const whole = pieces.map(([piece]) => piece).join('');
          const out = runTimed([...pieces.map(([piece, gap]) => [text(piece), gap] as const), [finish, 1]], {
            ...options,
            boundary,
          });
          const texts = out.flatMap(([x]) => (x.type === 'text' ? [x.text] : []));
          expect(texts.join('')).to.equal(whole);
          const ends = graphemeEnds(whole);
          let at = 0;
          for (const piece of texts) {
            at += piece.length;
            expect(ends, `${JSON.stringify(texts)} cut at ${at}`).to.include(at);
          }
        }),
        { numRuns: runs },
      );
    });

    it(`a reply with no boundary still flows: silent for maxWaitMs + 3 · timeMs, at most its last grapheme is pending (${runs} runs)`, () => {
      fc.assert(
        fc.property(
          mixedReplyArb,
          fc.integer({ min: 1, max: 10 }),
          fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
          anyBoundaryArb,
          (pieces, timeMs, maxWaitMs, boundary) => {
            const whole = pieces.map(([piece]) => piece).join('');
            const silence = (maxWaitMs ?? 10 * timeMs) + 3 * timeMs + 1;
            const out = runTimed([...pieces.map(([piece, gap]) => [text(piece), gap] as const), [finish, silence]], {
              timeMs,
              boundary,
              maxWaitMs,
            });
            const finishedAt = out.at(-1)?.[1] ?? 0;
            const beforeFinish = out
              .filter(([x, frame]) => x.type === 'text' && frame < finishedAt)
              .map(([x]) => (x.type === 'text' ? x.text : ''))
              .join('');
            const held = whole.slice(beforeFinish.length);
            expect(whole.startsWith(beforeFinish)).to.equal(true);
            expect(
              [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(held)],
              JSON.stringify(held),
            ).to.have.length.at.most(1);
          },
        ),
        { numRuns: runs },
      );
    });

    it(`on words that never wait 2 · timeMs, every piece but a flush ends after a word and its spaces (${runs} runs)`, () => {
      const wordsArb = fc.array(
        fc.tuple(
          fc.constantFrom('one ', 'two\n', 'three. ', 'Four, ', '你好。', 'はい、'),
          fc.integer({ min: 0, max: 2 }),
        ),
        { maxLength: 25 },
      );
      fc.assert(
        fc.property(wordsArb, (pieces) => {
          const out = runTimed([...pieces.map(([piece, gap]) => [text(piece), gap] as const), [finish, 1]], {
            timeMs: 5,
            boundary: 'word',
          });
          out.forEach(([chunk], i) => {
            if (chunk.type === 'text' && out[i + 1]?.[0].type === 'text')
              expect(chunk.text, JSON.stringify(out.map(([x]) => x))).to.match(/[\s。、]$/u);
          });
        }),
        { numRuns: runs },
      );
    });
  });
});
