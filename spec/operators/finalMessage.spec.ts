import { finish, text } from '../../lib/core/chunk.js';
import { networkError } from '../../lib/core/error.js';
import { finalMessage } from '../../lib/operators/index.js';
import { testScheduler } from '../support/marbles.js';

const values = { a: text('Hel'), b: text('lo'), F: finish };

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
