import { expect } from 'chai';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { finish, text, type Chunk } from '../../lib/core/chunk.js';
import { timeoutError, withPartialText, YqcloudError } from '../../lib/core/error.js';
import { withTimeouts } from '../../lib/operators/index.js';
import { testScheduler } from '../support/marbles.js';
import { thrownBy } from '../support/thrownBy.js';

const values = { a: text('Hel'), b: text('lo'), F: finish };
const timeout = (phase: 'first-chunk' | 'idle' | 'total', ms: number, partial: string): YqcloudError =>
  withPartialText(partial)(timeoutError(phase, ms));

describe('operators/withTimeouts', () => {
  it('passes a reply that meets every deadline through unchanged', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-F|', values);
      expectObservable(source.pipe(withTimeouts({ firstChunkMs: 2, idleMs: 2, totalMs: 10 }))).toBe('-a-b-F|', values);
    });
  });

  it('fails with phase first-chunk when nothing arrives in time, and unsubscribes the source', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-----a-F|', values);
      expectObservable(source.pipe(withTimeouts({ firstChunkMs: 3 }))).toBe(
        '---#',
        undefined,
        timeout('first-chunk', 3, ''),
      );
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('fails with phase idle and the text delivered so far when the reply stalls', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b------F|', values);
      expectObservable(source.pipe(withTimeouts({ firstChunkMs: 5, idleMs: 2 }))).toBe(
        '-a-b-#',
        values,
        timeout('idle', 2, 'Hello'),
      );
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('applies idle before the first chunk when firstChunkMs is not set', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('----a|', values).pipe(withTimeouts({ idleMs: 2 }))).toBe(
        '--#',
        undefined,
        timeout('idle', 2, ''),
      );
    });
  });

  it('fails with phase total when the whole reply takes too long, even if it never stalls', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-a-b-a-F|', values);
      expectObservable(source.pipe(withTimeouts({ idleMs: 2, totalMs: 6 }))).toBe(
        '-a-b-a#',
        values,
        timeout('total', 6, 'HelloHel'),
      );
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('unsubscribes the source when the subscriber leaves before a deadline, and fails no one later', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a------b-F|', values);
      expectObservable(source.pipe(withTimeouts({ firstChunkMs: 3, idleMs: 4, totalMs: 8 })), '^--!').toBe(
        '-a---------',
        values,
      );
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('keeps no timer after the reply completes or the subscriber leaves', () => {
    const scheduler = new VirtualTimeScheduler();
    const pending = (): number => scheduler.actions.filter((action) => !action.closed).length;
    const source = new Subject<Chunk>();
    const subscription = source.pipe(withTimeouts({ firstChunkMs: 5, idleMs: 5, totalMs: 50, scheduler })).subscribe();
    expect(pending()).to.equal(2);
    source.next(values.a);
    source.complete();
    expect(pending()).to.equal(0);
    const left = new Subject<Chunk>().pipe(withTimeouts({ idleMs: 5, totalMs: 50, scheduler })).subscribe();
    expect(pending()).to.equal(2);
    left.unsubscribe();
    subscription.unsubscribe();
    expect(pending()).to.equal(0);
  });

  it('passes the source error on unchanged', () => {
    const error = withPartialText('Hel')(timeoutError('idle', 1));
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a#', values, error).pipe(withTimeouts({ idleMs: 5 }))).toBe('-a#', values, error);
    });
  });

  it('throws InvalidRequest for a bad option when created, as RxJS operators do', () => {
    for (const bad of [{ idleMs: -1 }, { totalMs: Number.NaN }, { firstChunkMs: '5' }, { scheduler: {} }, 'fast']) {
      expect(
        thrownBy(() => withTimeouts(bad as never)),
        JSON.stringify(bad),
      )
        .to.be.instanceOf(YqcloudError)
        .and.have.property('kind', 'InvalidRequest');
    }
  });
});
