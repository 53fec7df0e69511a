import { expect } from 'chai';
import fc from 'fast-check';
import { defer, of, concat, throwError, VirtualTimeScheduler, type Observable } from 'rxjs';
import { finish, text, type Chunk } from '../../lib/core/chunk.js';
import {
  blocked,
  emptyResponse,
  httpError,
  invalidRequest,
  networkError,
  responseTooLarge,
  timeoutError,
  withPartialText,
  YqcloudError,
} from '../../lib/core/error.js';
import { backoffDelay, isTransient, retryTransient } from '../../lib/operators/index.js';
import { testScheduler } from '../support/marbles.js';

const values = { a: text('Hel'), b: text('lo'), F: finish };
const busy = httpError(503, 'busy');

describe('operators/retryTransient', () => {
  it('retries a 503 after the jittered backoff and delivers the second attempt', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Chunk>('--#', undefined, busy);
      const second = cold<Chunk>('a-F|', values);
      let attempt = 0;
      const reply$ = defer(() => (attempt++ === 0 ? source : second));
      // attempt 1 waits random · base · 2^0 = 0.5 · 4 = 2 frames
      expectObservable(reply$.pipe(retryTransient({ baseDelayMs: 4, random: () => 0.5 }))).toBe('----a-F|', values);
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(second.subscriptions).toBe('----^--!');
    });
  });

  for (const [name, error] of [
    ['Network', networkError('ECONNREFUSED', 'refused')],
    ['Timeout first-chunk', timeoutError('first-chunk', 5)],
    ['Http 408', httpError(408, 'timeout')],
    ['Http 425', httpError(425, 'too early')],
  ] as const)
    it(`retries ${name}`, () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold<Chunk>('--#', undefined, error);
        expectObservable(source.pipe(retryTransient({ maxRetries: 1, baseDelayMs: 2, random: () => 0.5 }))).toBe(
          '-----#',
          undefined,
          error,
        );
        expectSubscriptions(source.subscriptions).toBe(['^-!', '---^-!']);
      });
    });

  it('unsubscribed during the wait, it never sends the next attempt', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Chunk>('--#', undefined, busy);
      const second = cold<Chunk>('a-F|', values);
      let attempt = 0;
      const reply$ = defer(() => (attempt++ === 0 ? source : second));
      expectObservable(reply$.pipe(retryTransient({ baseDelayMs: 4, random: () => 0.5 })), '^--!').toBe('----');
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(second.subscriptions).toBe([]);
    });
  });

  it('unsubscribed during a retry, it unsubscribes that attempt', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Chunk>('--#', undefined, busy);
      const second = cold<Chunk>('a---F|', values);
      let attempt = 0;
      const reply$ = defer(() => (attempt++ === 0 ? source : second));
      expectObservable(reply$.pipe(retryTransient({ baseDelayMs: 4, random: () => 0.5 })), '^-----!').toBe(
        '----a--',
        values,
      );
      expectSubscriptions(second.subscriptions).toBe('----^-!');
    });
  });

  it('backs off exponentially and gives up after maxRetries with the last error', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Chunk>('#', undefined, busy);
      // waits: 1·2^0·… with random() = 0.999 → floor(0.999·2)=1, floor(0.999·4)=3, floor(0.999·8)=7
      expectObservable(source.pipe(retryTransient({ maxRetries: 3, baseDelayMs: 2, random: () => 0.999 }))).toBe(
        '-----------#',
        undefined,
        busy,
      );
      expectSubscriptions(source.subscriptions).toBe(['(^!)', '-(^!)', '----(^!)', '-----------(^!)']);
    });
  });

  it('waits as long as Retry-After asks, capped by maxDelayMs', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const limited = httpError(429, 'slow down', 5);
      const source = cold<Chunk>('#', undefined, limited);
      expectObservable(source.pipe(retryTransient({ maxRetries: 1, maxDelayMs: 3, random: () => 0 }))).toBe(
        '---#',
        undefined,
        limited,
      );
      expectSubscriptions(source.subscriptions).toBe(['(^!)', '---(^!)']);
    });
  });

  it('never retries once text was delivered: the partial reply and its error go through', () => {
    const reset = withPartialText('Hel')(networkError('ECONNRESET', 'reset'));
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a#', values, reset);
      expectObservable(source.pipe(retryTransient({ baseDelayMs: 1 }))).toBe('-a#', values, reset);
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  for (const [name, error] of [
    ['Blocked', blocked('ip-banned', 'sorry')],
    ['InvalidRequest', invalidRequest('messages', 'empty')],
    ['ResponseTooLarge', responseTooLarge(10)],
    ['EmptyResponse', emptyResponse(200)],
    ['Http 404', httpError(404, 'no')],
    ['Timeout idle', timeoutError('idle', 5)],
  ] as const)
    it(`never retries ${name}`, () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold<Chunk>('--#', undefined, error);
        expectObservable(source.pipe(retryTransient({ baseDelayMs: 1 }))).toBe('--#', undefined, error);
        expectSubscriptions(source.subscriptions).toBe('^-!');
      });
    });

  it('classifies transient errors as DESIGN.md says', () => {
    expect([408, 425, 429, 500, 502, 503, 504].filter((s) => !isTransient(httpError(s, '')))).to.deep.equal([]);
    expect([400, 401, 403, 404, 409, 413].filter((s) => isTransient(httpError(s, '')))).to.deep.equal([]);
    expect(networkError('ECONNREFUSED', 'refused')).to.satisfy(isTransient);
    expect(timeoutError('first-chunk', 5)).to.satisfy(isTransient);
    expect(timeoutError('total', 5)).to.not.satisfy(isTransient);
    expect(new Error('plain')).to.not.satisfy(isTransient);
  });

  it('computes full-jitter backoff within [0, min(max, base·2^(n-1)))', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const delay = backoffDelay(attempt, undefined, { baseDelayMs: 100, maxDelayMs: 5000, random: () => r });
        return delay >= 0 && delay < Math.min(5000, 100 * 2 ** (attempt - 1));
      }),
      { numRuns: 500 },
    );
  });

  const runs = 500;
  it(`property: resubscribes only on a transient error before any text, never after text, at most maxRetries times (${runs} runs)`, () => {
    const errorArb = fc.constantFrom(
      busy,
      httpError(429, 'slow', 3),
      networkError('ECONNRESET', 'x'),
      timeoutError('first-chunk', 1),
      timeoutError('idle', 1),
      blocked('html-page', '<html'),
      httpError(404, 'no'),
    );
    /** One attempt: its text pieces (maybe none), then an error, or `finish` when `error` is undefined. */
    const attemptArb = fc.record({
      pieces: fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 3 }),
      error: fc.option(errorArb, { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(attemptArb, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 5 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (attempts, maxRetries, r) => {
          const scheduler = new VirtualTimeScheduler();
          let subscriptions = 0;
          let subscriptionsAfterText = 0;
          let textSeen = false;
          const source: Observable<Chunk> = defer(() => {
            const attempt = attempts[Math.min(subscriptions, attempts.length - 1)] ?? { pieces: [], error: undefined };
            subscriptions++;
            if (textSeen) subscriptionsAfterText++;
            const error = attempt.error;
            return concat(of(...attempt.pieces.map(text)), error === undefined ? of(finish) : throwError(() => error));
          });
          let failure: unknown;
          source
            .pipe(retryTransient({ maxRetries, baseDelayMs: 8, scheduler, random: () => r }))
            .subscribe({ next: (chunk) => (textSeen ||= chunk.type === 'text'), error: (e: unknown) => (failure = e) });
          scheduler.flush();

          let expected = 1;
          for (let i = 0; ; i++) {
            const attempt = attempts[Math.min(i, attempts.length - 1)];
            const error = attempt?.error;
            const textBefore = attempts.slice(0, i + 1).some((a) => a.pieces.length > 0);
            if (error === undefined || textBefore || !isTransient(error) || expected > maxRetries) break;
            expected++;
          }
          expect(subscriptionsAfterText).to.equal(0);
          expect(subscriptions).to.equal(expected);
          const lastAttempt = attempts[Math.min(expected - 1, attempts.length - 1)];
          expect(failure).to.equal(lastAttempt?.error);
          expect(scheduler.actions.filter((a) => !a.closed)).to.have.length(0);
        },
      ),
      { numRuns: runs },
    );
  });

  it('refuses bad options with InvalidRequest when subscribed', () => {
    for (const bad of [{ maxRetries: -1 }, { baseDelayMs: 'x' }, { random: 3 }, { scheduler: 1 }, 7]) {
      let failure: unknown;
      expect(() =>
        of(values.a)
          .pipe(retryTransient(bad as never))
          .subscribe({ error: (e: unknown) => (failure = e) }),
      ).to.not.throw();
      expect(failure, JSON.stringify(bad)).to.be.instanceOf(YqcloudError).and.have.property('kind', 'InvalidRequest');
    }
  });
});
