import { conversation, finish, text } from '../../lib/core/chunk.js';
import { make } from '../../lib/core/conversation.js';
import { networkError } from '../../lib/core/error.js';
import { accumulateText, finalMessage, textOnly } from '../../lib/operators/index.js';
import { testScheduler } from '../support/marbles.js';

const c = conversation(make('gpt-4', () => 1));
const values = { a: text('Hel'), b: text('lo'), c, F: finish };

describe('operators/textOnly', () => {
  it('emits the text deltas and drops conversation and finish chunks', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--c--F--|', values);
      expectObservable(source.pipe(textOnly())).toBe('--x--y--------|', { x: 'Hel', y: 'lo' });
      expectSubscriptions(source.subscriptions).toBe('^-------------!');
    });
  });
});

describe('operators/accumulateText', () => {
  it('emits the whole text so far, one snapshot per text chunk', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('--a--b--F--|', values).pipe(accumulateText())).toBe('--x--y-----|', { x: 'Hel', y: 'Hello' });
    });
  });

  it('passes an error on after the snapshots', () => {
    const error = networkError('ECONNRESET', 'reset');
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('--a--#', values, error).pipe(accumulateText())).toBe('--x--#', { x: 'Hel' }, error);
    });
  });
});

describe('operators/finalMessage', () => {
  it('emits one assistant message when the reply finishes', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('--a--b--F--|', values).pipe(finalMessage())).toBe('-----------(m|)', {
        m: { role: 'assistant', content: 'Hello' },
      });
    });
  });

  it('emits nothing when the source errors (the error carries partialText)', () => {
    const error = networkError('ECONNRESET', 'reset');
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('--a--#', values, error).pipe(finalMessage())).toBe('-----#', undefined, error);
    });
  });

  it('emits nothing when the reply was cancelled (completed without finish)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('--a--|', values).pipe(finalMessage())).toBe('-----|');
    });
  });

  it('unsubscribes the source when the subscriber leaves', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--F--|', values);
      expectObservable(source.pipe(finalMessage()), '^--!').toBe('----');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});
