import { expect } from 'chai';
import { Subject, take, takeUntil, tap, type Observable, type OperatorFunction } from 'rxjs';
import { finish, text, type Chunk } from '../../lib/core/chunk.js';
import {
  accumulateText,
  bufferText,
  fallback,
  finalMessage,
  retryTransient,
  textOnly,
  withTimeouts,
} from '../../lib/operators/index.js';
import { synchronousSource } from '../support/synchronousSource.js';

const count = 200_000;
const chunks = (): ReturnType<typeof synchronousSource<Chunk>> =>
  synchronousSource<Chunk>((i) => (i === count - 1 ? finish : text(`${i} `)), count);

const operators: ReadonlyArray<readonly [string, () => OperatorFunction<Chunk, unknown>]> = [
  ['textOnly()', () => textOnly()],
  ['accumulateText()', () => accumulateText()],
  ['finalMessage()', () => finalMessage()],
  ['bufferText({ timeMs: 10 })', () => bufferText({ timeMs: 10 })],
  ['bufferText({ maxChars: 1 })', () => bufferText({ maxChars: 1 })],
  ['bufferText({ maxChars: 4, boundary: "word" })', () => bufferText({ maxChars: 4, boundary: 'word' })],
  ['withTimeouts({ idleMs: 1000 })', () => withTimeouts({ idleMs: 1000 })],
  ['withTimeouts({ firstChunkMs: 1000, totalMs: 5000 })', () => withTimeouts({ firstChunkMs: 1000, totalMs: 5000 })],
  ['retryTransient()', () => retryTransient()],
  ['fallback(alternative)', () => fallback(chunks().source)],
];

// RxJS's own spec for every operator: "should stop listening to a synchronous observable when unsubscribed".
describe('operators: unsubscribing stops a synchronous source', () => {
  for (const [name, operator] of operators) {
    it(`${name} should stop listening to a synchronous observable when unsubscribed (at the 5th value)`, () => {
      const { source, emitted } = chunks();
      const stop$ = new Subject<void>();
      const atFifth = source.pipe(
        tap(() => {
          if (emitted() === 5) stop$.next();
        }),
      );
      const subscription = (atFifth as Observable<Chunk>).pipe(operator(), takeUntil(stop$)).subscribe();
      expect(emitted()).to.equal(5);
      expect(subscription.closed).to.equal(true);
    });
  }

  for (const [name, operator] of operators.filter(([n]) => !/finalMessage|timeMs/.test(n))) {
    it(`${name} then take(1) pulls only the values it needs`, () => {
      const { source, emitted } = chunks();
      source.pipe(operator(), take(1)).subscribe();
      expect(emitted()).to.be.at.most(4);
    });
  }
});
