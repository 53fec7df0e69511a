import { expect } from 'chai';
import fc from 'fast-check';
import { concat, NEVER, Observable, of, throwError } from 'rxjs';
import { finish, text, type Chunk } from '../../lib/core/chunk.js';
import {
  blocked,
  httpError,
  invalidRequest,
  networkError,
  timeoutError,
  withPartialText,
  YqcloudError,
} from '../../lib/core/error.js';
import { withMessage } from '../../lib/core/errorCopy.js';
import { fallback, isRouteFailure } from '../../lib/operators/index.js';
import { testScheduler } from '../support/marbles.js';
import { thrownBy } from '../support/thrownBy.js';

const values = { a: text('Hel'), b: text('lo'), x: text('Bye'), F: finish };
const ban = blocked('ip-banned', 'sorry, 您的ip已由于触发防滥用检测而被封禁');
const busy = httpError(503, 'busy');
const refused = networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9');

describe('operators/fallback', () => {
  it('subscribes to the next route when the source is blocked before any text', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Chunk>('--#', undefined, ban);
      const backup = cold('--a-b-F|', values);
      expectObservable(source.pipe(fallback(backup))).toBe('----a-b-F|', values);
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(backup.subscriptions).toBe('--^------!');
    });
  });

  it('moves on for Network and Http 5xx/429 by default, but not for InvalidRequest, Http 4xx, EmptyResponse or Timeout', () => {
    for (const e of [ban, busy, refused, httpError(429, 'slow down', 1000)])
      expect(isRouteFailure(e), e.message).to.equal(true);
    for (const e of [invalidRequest('messages', 'empty'), httpError(400, 'bad'), timeoutError('first-chunk', 10)])
      expect(isRouteFailure(e), e.message).to.equal(false);
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const bad = httpError(400, 'bad');
      const backup = cold('a-F|', values);
      expectObservable(cold<Chunk>('-#', undefined, bad).pipe(fallback(backup))).toBe('-#', undefined, bad);
      expectSubscriptions(backup.subscriptions).toBe([]);
    });
  });

  it('never falls back once text was delivered: the error passes unchanged with its partialText', () => {
    const reset = withPartialText('Hel')(networkError('ECONNRESET', 'socket hang up'));
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const backup = cold('x-F|', values);
      expectObservable(cold('-a-#', values, reset).pipe(fallback(backup))).toBe('-a-#', values, reset);
      expectSubscriptions(backup.subscriptions).toBe([]);
    });
  });

  it('tries the routes in order; the final error is the last one, its message naming every route tried', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const proxy = cold<Chunk>('-#', undefined, refused);
      const relay = cold<Chunk>('--#', undefined, busy);
      const tried = withMessage(
        `${busy.message} [routes tried: direct (Blocked ip-banned), proxy (Network ECONNREFUSED), relay (Http 503)]`,
      )(busy);
      expectObservable(
        cold<Chunk>('#', undefined, ban).pipe(
          fallback({ primary: 'direct' }, { name: 'proxy', reply: proxy }, { name: 'relay', reply: relay }),
        ),
      ).toBe('---#', undefined, tried);
      expectSubscriptions(proxy.subscriptions).toBe('^!');
      expectSubscriptions(relay.subscriptions).toBe('-^-!');
    });
  });

  it('names routes after text failed too, and keeps that route partialText', () => {
    const reset = withPartialText('Bye')(networkError('ECONNRESET', 'reset'));
    testScheduler().run(({ cold, expectObservable }) => {
      const backup = cold('x-#', values, reset);
      const expected = withMessage(
        `${reset.message} [routes tried: primary (Blocked ip-banned), alternative 1 (Network ECONNRESET)]`,
      )(reset);
      expectObservable(cold<Chunk>('#', undefined, ban).pipe(fallback(backup))).toBe('x-#', values, expected);
    });
    expect(withMessage('m')(reset)).to.include({ partialText: 'Bye', kind: 'Network', code: 'ECONNRESET' });
  });

  it('chooses the kinds with when', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const slow = timeoutError('first-chunk', 10);
      const backup = cold('a-F|', values);
      expectObservable(
        cold<Chunk>('-#', undefined, slow).pipe(fallback({ when: (e) => e.kind === 'Timeout' }, backup)),
      ).toBe('-a-F|', values);
      expectObservable(
        cold<Chunk>('-#', undefined, ban).pipe(fallback({ when: (e) => e.kind === 'Timeout' }, backup)),
      ).toBe('-#', undefined, ban);
    });
  });

  it('passes errors that are not YqcloudError on as they are', () => {
    const bug = new TypeError('x is not a function');
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<Chunk>('-#', undefined, bug).pipe(fallback(cold('a|', values)))).toBe('-#', undefined, bug);
    });
  });

  it('unsubscribes the route in flight when the subscriber leaves', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const backup = cold('----a-F|', values);
      expectObservable(cold<Chunk>('-#', undefined, ban).pipe(fallback(backup)), '^--!').toBe('---');
      expectSubscriptions(backup.subscriptions).toBe('-^-!');
    });
  });

  it('throws InvalidRequest for bad options and routes when created, as RxJS operators do', () => {
    for (const args of [
      [{ when: 3 }],
      [{ primary: '' }],
      [{ whn: () => true }],
      [{ name: 'x' }],
      [{ reply: of(finish), extra: 1 }],
      [7],
      [{ when: 'x' }, NEVER],
    ]) {
      expect(
        thrownBy(() => fallback(...(args as [never]))),
        JSON.stringify(args),
      )
        .to.be.instanceOf(YqcloudError)
        .and.include({ kind: 'InvalidRequest' });
    }
  });

  describe('property', () => {
    /** A route's outcome: fails with a route failure before text, or delivers some text then finishes or fails. */
    type Outcome =
      | { readonly type: 'refused' }
      | { readonly type: 'answers'; readonly texts: ReadonlyArray<string>; readonly fails: boolean };
    const outcomeArb: fc.Arbitrary<Outcome> = fc.oneof(
      fc.constant({ type: 'refused' as const }),
      fc.record({
        type: fc.constant('answers' as const),
        texts: fc.array(fc.string({ minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }),
        fails: fc.boolean(),
      }),
    );
    const routeOf = (outcome: Outcome, counter: { n: number }): Observable<Chunk> =>
      new Observable<Chunk>((subscriber) => {
        counter.n += 1;
        const inner =
          outcome.type === 'refused'
            ? throwError(() => ban)
            : concat(
                of(...outcome.texts.map(text)),
                outcome.fails ? throwError(() => withPartialText(outcome.texts.join(''))(refused)) : of(finish),
              );
        return inner.subscribe(subscriber);
      });

    const runs = 300;
    it(`nothing duplicated: the text is the first answering route's, partialText what was delivered, routes after it never subscribed (${runs} runs)`, () => {
      fc.assert(
        fc.property(fc.array(outcomeArb, { minLength: 1, maxLength: 5 }), (outcomes) => {
          const counters = outcomes.map(() => ({ n: 0 }));
          const routes = outcomes.map((o, i) => routeOf(o, counters[i] ?? { n: 0 }));
          const [source, ...alternatives] = routes;
          const out: Array<string> = [];
          let failure: YqcloudError | undefined;
          source?.pipe(fallback(...alternatives)).subscribe({
            next: (chunk) => chunk.type === 'text' && out.push(chunk.text),
            error: (e: YqcloudError) => (failure = e),
          });
          const answering = outcomes.findIndex((o) => o.type === 'answers');
          const answer = outcomes[answering];
          expect(out.join('')).to.equal(answer?.type === 'answers' ? answer.texts.join('') : '');
          const lastTried = answering === -1 ? outcomes.length - 1 : answering;
          expect(counters.map((c) => c.n)).to.deep.equal(outcomes.map((_, i) => (i <= lastTried ? 1 : 0)));
          if (failure !== undefined) {
            expect(failure.partialText).to.equal(out.join(''));
            if (lastTried > 0) expect(failure.message).to.include('[routes tried: primary');
          } else expect(answer).to.include({ fails: false });
        }),
        { numRuns: runs },
      );
    });
  });
});
