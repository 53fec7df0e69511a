import { expect } from 'chai';
import fc from 'fast-check';
import { from } from 'rxjs';
import { conversation, finish, text, type Chunk } from '../../lib/core/chunk.js';
import { make } from '../../lib/core/conversation.js';
import { networkError } from '../../lib/core/error.js';
import { accumulateText } from '../../lib/operators/index.js';
import { testScheduler } from '../support/marbles.js';

const c = conversation(make('gpt-4', () => 1));
const values = { a: text('Hel'), b: text('lo'), c, F: finish };

describe('operators/accumulateText', () => {
  it('emits the whole text so far, one snapshot per text chunk', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--F--|', values);
      expectObservable(source.pipe(accumulateText())).toBe('--x--y-----|', { x: 'Hel', y: 'Hello' });
      expectSubscriptions(source.subscriptions).toBe('^----------!');
    });
  });

  it('unsubscribes the source when the subscriber leaves', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--F--|', values);
      expectObservable(source.pipe(accumulateText()), '^---!').toBe('--x--', { x: 'Hel' });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  const runs = 500;
  it(`property: the last snapshot is the concatenation of the pieces, and each extends the one before (${runs} runs)`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme', size: 'max' }), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.nat({ max: 30 }),
        (pieces, conversationAt) => {
          const chunks: Array<Chunk> = pieces.map(text);
          chunks.splice(Math.min(conversationAt, chunks.length), 0, c);
          const snapshots: Array<string> = [];
          from([...chunks, finish])
            .pipe(accumulateText())
            .subscribe((s) => snapshots.push(s));
          expect(snapshots).to.have.length(pieces.length);
          expect(snapshots.at(-1)).to.equal(pieces.join(''));
          snapshots.forEach((snapshot, i) => {
            expect(snapshot).to.equal((snapshots[i - 1] ?? '') + pieces[i]);
          });
        },
      ),
      { numRuns: runs },
    );
  });

  it('passes an error on after the snapshots', () => {
    const error = networkError('ECONNRESET', 'reset');
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('--a--#', values, error).pipe(accumulateText())).toBe('--x--#', { x: 'Hel' }, error);
    });
  });
});
