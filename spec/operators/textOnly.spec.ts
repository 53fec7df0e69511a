import { conversation, finish, text } from '../../lib/core/chunk.js';
import { make } from '../../lib/core/conversation.js';
import { textOnly } from '../../lib/operators/index.js';
import { testScheduler } from '../support/marbles.js';

const values = { a: text('Hel'), b: text('lo'), c: conversation(make('gpt-4', () => 1)), F: finish };

describe('operators/textOnly', () => {
  it('emits the text deltas and drops conversation and finish chunks', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--c--F--|', values);
      expectObservable(source.pipe(textOnly())).toBe('--x--y--------|', { x: 'Hel', y: 'lo' });
      expectSubscriptions(source.subscriptions).toBe('^-------------!');
    });
  });

  it('unsubscribes the source when the subscriber leaves', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--c--F--|', values);
      expectObservable(source.pipe(textOnly()), '^---!').toBe('--x--', { x: 'Hel' });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });
});
