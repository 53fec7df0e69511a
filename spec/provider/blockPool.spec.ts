import { expect } from 'chai';
import { createBlockPool, maxBlockBytes, minBlockBytes } from '../../lib/provider/blockPool.js';

describe('provider/blockPool createBlockPool', () => {
  it('hands out powers of two from 1 KiB to 1 MiB, large enough for the bytes asked', () => {
    const pool = createBlockPool(0);
    expect(pool.take(1).byteLength).to.equal(minBlockBytes);
    expect(pool.take(minBlockBytes).byteLength).to.equal(minBlockBytes);
    expect(pool.take(minBlockBytes + 1).byteLength).to.equal(2 * minBlockBytes);
    expect(pool.take(600_000).byteLength).to.equal(maxBlockBytes);
    expect(pool.take(maxBlockBytes).byteLength).to.equal(maxBlockBytes);
  });

  it('gives a block back to the next take of its size', () => {
    const pool = createBlockPool(1 << 20);
    const block = pool.take(20_000);
    pool.give([block]);
    expect(pool.take(1)).to.not.equal(block);
    expect(pool.take(20_000)).to.equal(block);
    expect(pool.take(20_000)).to.not.equal(block);
  });

  it('keeps no more idle bytes than its bound, and nothing after clear', () => {
    const pool = createBlockPool(3 * minBlockBytes);
    const blocks = [pool.take(1), pool.take(1), pool.take(1), pool.take(1)];
    pool.give(blocks);
    const again = [pool.take(1), pool.take(1), pool.take(1), pool.take(1)];
    expect(again.filter((b) => blocks.includes(b))).to.have.length(3);
    pool.give(again);
    pool.clear();
    expect(blocks.concat(again)).to.not.include(pool.take(1));
  });

  it('with a bound of 0 keeps nothing', () => {
    const pool = createBlockPool(0);
    const block = pool.take(1);
    pool.give([block]);
    expect(pool.take(1)).to.not.equal(block);
  });
});
