import { expect } from 'chai';
import fc from 'fast-check';
import { defer, mergeMap, of, concat, throwError, VirtualTimeScheduler, type Observable } from 'rxjs';
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
import { withAttempts } from '../../lib/core/errorCopy.js';
import { backoffDelay, isTransient, retryTransient } from '../../lib/operators/index.js';
import { testScheduler } from '../support/marbles.js';
import { thrownBy } from '../support/thrownBy.js';

const values = { a: text('Hel'), b: text('lo'), F: finish };
const busy = httpError(503, 'busy');
/** The error retryTransient passes on after `n` attempts that all failed with `error`. */
const gaveUp = (error: YqcloudError, n: number): YqcloudError =>
  withAttempts(
    Array.from({ length: n }, () => error),
    ` (gave up after ${n} attempts)`,
  )(error);

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
          gaveUp(error, 2),
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
        gaveUp(busy, 4),
      );
      expectSubscriptions(source.subscriptions).toBe(['(^!)', '-(^!)', '----(^!)', '-----------(^!)']);
    });
  });

  it('waits as long as Retry-After asks, even past maxDelayMs (never earlier than the server allows)', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const limited = httpError(429, 'slow down', 5);
      const source = cold<Chunk>('#', undefined, limited);
      expectObservable(source.pipe(retryTransient({ maxRetries: 1, maxDelayMs: 3, random: () => 0 }))).toBe(
        '-----#',
        undefined,
        gaveUp(limited, 2),
      );
      expectSubscriptions(source.subscriptions).toBe(['(^!)', '-----(^!)']);
    });
  });

  it('property: a retry never comes earlier than Retry-After, whatever maxDelayMs and the jitter', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 30 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (retryAfterMs, maxDelayMs, r) => {
          const scheduler = new VirtualTimeScheduler();
          const at: Array<number> = [];
          const source = defer(() => {
            at.push(scheduler.now());
            return throwError(() => httpError(503, 'busy', retryAfterMs));
          });
          source.pipe(retryTransient({ maxRetries: 1, maxDelayMs, scheduler, random: () => r })).subscribe({
            error: () => undefined,
          });
          scheduler.flush();
          expect(at).to.have.length(2);
          expect((at[1] ?? 0) - (at[0] ?? 0)).to.be.at.least(retryAfterMs);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives up at once with the original error when Retry-After exceeds maxRetryAfterMs (default 60 s), saying so', () => {
    for (const [retryAfterMs, options] of [
      [60_001, {}],
      [3_600_000, {}],
      [11, { maxRetryAfterMs: 10 }],
    ] as const) {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const limited = httpError(429, 'slow down', retryAfterMs);
        const source = cold<Chunk>('#', undefined, limited);
        const limit = 'maxRetryAfterMs' in options ? options.maxRetryAfterMs : 60_000;
        const note = ` (not retried: the server asked to wait ${retryAfterMs} ms, more than maxRetryAfterMs ${limit} ms)`;
        expectObservable(source.pipe(retryTransient({ maxRetries: 3, ...options }))).toBe(
          '#',
          undefined,
          withAttempts([limited], note)(limited),
        );
        expectSubscriptions(source.subscriptions).toBe('(^!)');
      });
    }
    let failure: unknown;
    of(0)
      .pipe(
        mergeMap(() => throwError(() => httpError(503, 'busy', 120_000))),
        retryTransient(),
      )
      .subscribe({ error: (e: unknown) => (failure = e) });
    expect(failure).to.be.instanceOf(YqcloudError);
    expect(failure).to.include({ kind: 'Http', status: 503, retryAfterMs: 120_000 });
    expect((failure as YqcloudError).message).to.include('maxRetryAfterMs 60000 ms');
  });

  it('the final error records every attempt made, in order, also in toJSON', () => {
    const errors = [networkError('ECONNRESET', 'reset'), httpError(503, 'busy'), timeoutError('first-chunk', 5)];
    const scheduler = new VirtualTimeScheduler();
    let n = 0;
    let failure: unknown;
    defer(() => throwError(() => errors[n++] ?? busy))
      .pipe(retryTransient({ maxRetries: 2, baseDelayMs: 1, scheduler }))
      .subscribe({ error: (e: unknown) => (failure = e) });
    scheduler.flush();
    expect(failure).to.be.instanceOf(YqcloudError);
    expect(failure).to.include({ kind: 'Timeout', phase: 'first-chunk' });
    expect((failure as YqcloudError).attempts).to.deep.equal(errors);
    expect((failure as YqcloudError).message).to.include('gave up after 3 attempts');
    expect((failure as YqcloudError).toJSON())
      .to.have.property('attempts')
      .that.deep.equals(errors.map((e) => e.toJSON()));
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

  it('classifies transient errors as docs/errors.md says', () => {
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
          if (expected === 1 || lastAttempt?.error === undefined) expect(failure).to.equal(lastAttempt?.error);
          else {
            expect(failure).to.include({ kind: lastAttempt.error.kind });
            expect((failure as YqcloudError).attempts).to.have.length(expected);
            expect((failure as YqcloudError).attempts?.at(-1)).to.equal(lastAttempt.error);
          }
          expect(scheduler.actions.filter((a) => !a.closed)).to.have.length(0);
        },
      ),
      { numRuns: runs },
    );
  });

  it('throws InvalidRequest for a bad option when created, as RxJS operators do', () => {
    for (const bad of [{ maxRetries: -1 }, { baseDelayMs: 'x' }, { random: 3 }, { scheduler: 1 }, 7]) {
      expect(
        thrownBy(() => retryTransient(bad as never)),
        JSON.stringify(bad),
      )
        .to.be.instanceOf(YqcloudError)
        .and.have.property('kind', 'InvalidRequest');
    }
  });
});
