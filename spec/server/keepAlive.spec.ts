import { keepAlive, keepAliveComment } from '../../lib/server/index.js';
import { testScheduler } from '../support/marbles.js';

const values = { a: 'data: {"a":1}\n\n', b: 'data: [DONE]\n\n', k: keepAliveComment, c: ':\n\n' };

describe('server/keepAlive', () => {
  it('fills each interval of silence with a comment, counted from the last value', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a 20ms b|', values).pipe(keepAlive({ intervalMs: 10 }))).toBe(
        '-a 9ms k 9ms k b|',
        values,
      );
    });
  });

  it('sends the comment given, and passes an error through, stopping the timer', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('---#', values, new Error('x')).pipe(keepAlive({ intervalMs: 2, comment: ':\n\n' }))).toBe(
        '--c#',
        values,
        new Error('x'),
      );
    });
  });

  it('with intervalMs 0 sends nothing but the source; unsubscribing unsubscribes the source', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a------b|', values);
      expectObservable(source.pipe(keepAlive({ intervalMs: 0 })), '^---!').toBe('-a--', values);
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });
});
