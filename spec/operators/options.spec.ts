import { expect } from 'chai';
import { of, type OperatorFunction } from 'rxjs';
import { text, type Chunk } from '../../lib/core/chunk.js';
import { YqcloudError } from '../../lib/core/error.js';
import { bufferText, retryTransient, withTimeouts } from '../../lib/operators/index.js';
import { durationMs, readOptions } from '../../lib/core/optionCheck.js';
import { thrownBy } from '../support/thrownBy.js';

/** Each operator with one option it knows, and a misspelling of it. */
const operators: ReadonlyArray<readonly [string, (options: never) => OperatorFunction<Chunk, Chunk>, string, string]> =
  [
    ['bufferText', bufferText, 'timeMs', 'timems'],
    ['withTimeouts', withTimeouts, 'idleMs', 'idlems'],
    ['retryTransient', retryTransient, 'maxRetries', 'maxretries'],
  ];

/** What making the operator and running it throws or fails with (a bad option throws when made). */
const failureOf = (make: () => OperatorFunction<Chunk, Chunk>): unknown => {
  let operator: OperatorFunction<Chunk, Chunk> | undefined;
  const thrown = thrownBy(() => {
    operator = make();
  });
  if (operator === undefined) return thrown;
  let failure: unknown;
  of(text('a'))
    .pipe(operator)
    .subscribe({ error: (e: unknown) => (failure = e) });
  return failure;
};

describe('operators/options', () => {
  for (const [name, make, known, misspelt] of operators) {
    it(`${name} refuses an unknown key (${misspelt}) with InvalidRequest naming it, and accepts ${known}`, () => {
      expect(failureOf(() => make({ [misspelt]: 1 } as never)))
        .to.be.instanceOf(YqcloudError)
        .and.include({ kind: 'InvalidRequest', path: `${name}.${misspelt}` });
      expect(failureOf(() => make({ [known]: 1 } as never))).to.equal(undefined);
    });

    it(`${name} reads own keys only, each once, and turns a throwing getter into InvalidRequest`, () => {
      const inherited = Object.create({ [misspelt]: 1, [known]: -1 }) as object;
      expect(failureOf(() => make(inherited as never))).to.equal(undefined);

      let reads = 0;
      const counted = Object.defineProperty({}, known, {
        enumerable: true,
        get: () => {
          reads += 1;
          return 1;
        },
      });
      expect(failureOf(() => make(counted as never))).to.equal(undefined);
      expect(reads).to.equal(1);

      const throwing = Object.defineProperty({}, known, {
        enumerable: true,
        get: () => {
          throw new Error('no');
        },
      });
      expect(failureOf(() => make(throwing as never)))
        .to.be.instanceOf(YqcloudError)
        .and.include({ kind: 'InvalidRequest' });
    });
  }

  it('readOptions gives every reader its value (undefined when absent) and stops at the first bad one', () => {
    expect(readOptions('op', { a: 5 }, { a: durationMs, b: durationMs })).to.deep.equal({
      _tag: 'Right',
      right: { a: 5, b: undefined },
    });
    const bad = readOptions('op', { a: -1 }, { a: durationMs });
    expect(bad).to.have.property('_tag', 'Left');
    expect(bad._tag === 'Left' ? bad.left : undefined).to.include({ kind: 'InvalidRequest', path: 'op.a' });
    for (const notAnObject of [null, 3, 'fast', [1]]) {
      const refused = readOptions('op', notAnObject, { a: durationMs });
      expect(refused._tag === 'Left' ? refused.left : undefined, String(notAnObject)).to.include({ path: 'op' });
    }
  });
});
