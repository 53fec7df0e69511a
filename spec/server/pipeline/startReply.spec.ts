import { expect } from 'chai';
import { concat, map, Observable, of, Subject, take, throwError, toArray, lastValueFrom } from 'rxjs';
import { invalidRequest, YqcloudError } from '../../../lib/core/error.js';
import { startReply } from '../../../lib/server/pipeline/startReply.js';

/** A synchronous source of `n` values that counts how many it emitted (stops when its subscriber closes). */
const countingSource = (n: number): { readonly source: Observable<number>; readonly pulled: () => number } => {
  let pulled = 0;
  const source = new Observable<number>((subscriber) => {
    for (let i = 0; i < n && !subscriber.closed; i++) {
      pulled++;
      subscriber.next(i);
    }
    subscriber.complete();
  });
  return { source, pulled: () => pulled };
};

const answer = <A>(source: Observable<A>): Observable<string> =>
  startReply(
    source,
    (e) => of(`refused ${e.kind}`),
    (chunks) => concat(of('head'), chunks.pipe(map((value) => `data ${String(value)}`))),
  );

describe('server/startReply', () => {
  it('stops a synchronous provider of 200,000 chunks when its answer is unsubscribed early', () => {
    const { source, pulled } = countingSource(200_000);
    const seen: Array<string> = [];
    answer(source)
      .pipe(take(5))
      .subscribe((part) => seen.push(part));
    expect(seen).to.deep.equal(['head', 'data 0', 'data 1', 'data 2', 'data 3']);
    // Before: the provider was drained into the hold (200,000) before anyone subscribed.
    expect(pulled()).to.be.at.most(5);
  });

  it('subscribes to nothing before its answer is subscribed, and holds nothing after', () => {
    const { source, pulled } = countingSource(200_000);
    const answered = answer(source);
    expect(pulled()).to.equal(0);
    let parts = 0;
    answered.subscribe(() => parts++);
    expect(pulled()).to.equal(200_000);
    expect(parts).to.equal(200_001);
  });

  it('answers an outright InvalidRequest as a refusal, without a head', async () => {
    const refused = await lastValueFrom(answer(throwError(() => invalidRequest('messages', 'empty'))).pipe(toArray()));
    expect(refused).to.deep.equal(['refused InvalidRequest']);
  });

  it('streams an InvalidRequest that follows a chunk, and any other error, after the head', async () => {
    const late = concat(
      of(1),
      throwError(() => invalidRequest('messages', 'late')),
    );
    const errors: Array<unknown> = [];
    const parts: Array<string> = [];
    answer(late).subscribe({ next: (p) => parts.push(p), error: (e: unknown) => errors.push(e) });
    answer(throwError(() => new YqcloudError('Network', 'down', { code: 'ECONNRESET' }))).subscribe({
      next: (p) => parts.push(p),
      error: (e: unknown) => errors.push(e),
    });
    expect(parts).to.deep.equal(['head', 'data 1', 'head']);
    expect(errors.map((e) => (e as YqcloudError).kind)).to.deep.equal(['InvalidRequest', 'Network']);
  });

  it('sends the head at once for a silent source, then each chunk as it comes; unsubscribing lets the source go', () => {
    const source = new Subject<number>();
    const parts: Array<string> = [];
    const subscription = answer(source).subscribe((p) => parts.push(p));
    expect(parts).to.deep.equal(['head']);
    source.next(1);
    expect(parts).to.deep.equal(['head', 'data 1']);
    expect(source.observed).to.equal(true);
    subscription.unsubscribe();
    expect(source.observed).to.equal(false);
  });

  it('lets the source go when the streamed answer ends by itself', () => {
    const source = new Subject<number>();
    const answered = startReply(
      source,
      () => of('refused'),
      (chunks) => chunks.pipe(take(1), map(String)),
    );
    const parts: Array<string> = [];
    answered.subscribe((p) => parts.push(p));
    source.next(7);
    expect(parts).to.deep.equal(['7']);
    expect(source.observed).to.equal(false);
  });
});
