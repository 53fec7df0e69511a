/**
 * What every `ServerStore` must do (lib/server/store/store.ts), as specs any implementation runs:
 * `describeStoreContract('redis', () => createRedisStore(…))`. Times are real and short, so an
 * implementation with its own clock (Redis) runs them unchanged.
 */
import { expect } from 'chai';
import type { ServerStore } from '../../../lib/server/store/store.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const describeStoreContract = (name: string, make: () => Promise<ServerStore>): void => {
  describe(`ServerStore contract: ${name}`, function () {
    this.timeout(10_000);
    let store: ServerStore;
    let n = 0;
    const key = (what: string): string => `contract:${process.pid}:${Date.now()}:${n++}:${what}`;

    beforeEach(async () => {
      store = await make();
    });
    afterEach(async () => {
      await store.close();
    });

    it('grants at most `limit` leases per key, each key its own', async () => {
      const a = key('a');
      const b = key('b');
      const first = await store.acquire(a, 2, 60_000);
      const second = await store.acquire(a, 2, 60_000);
      expect(first).to.not.equal(undefined);
      expect(second).to.not.equal(undefined);
      expect(first?.id).to.not.equal(second?.id);
      expect(await store.acquire(a, 2, 60_000)).to.equal(undefined);
      expect(await store.acquire(b, 2, 60_000)).to.not.equal(undefined);
    });

    it('a released lease frees its slot; releasing twice frees no other', async () => {
      const a = key('a');
      const first = await store.acquire(a, 2, 60_000);
      await store.acquire(a, 2, 60_000);
      if (first === undefined) throw new Error('no lease');
      await store.release(first);
      await store.release(first);
      expect(await store.acquire(a, 2, 60_000)).to.not.equal(undefined);
      expect(await store.acquire(a, 2, 60_000)).to.equal(undefined);
    });

    it('a lease not renewed expires by itself; a renewed one does not', async () => {
      const a = key('a');
      const kept = await store.acquire(a, 2, 300);
      await store.acquire(a, 2, 300);
      if (kept === undefined) throw new Error('no lease');
      await sleep(150);
      expect(await store.renew(kept, 1_000)).to.equal(true);
      await sleep(300);
      // The renewed lease holds; the other expired, so one slot is free.
      expect(await store.acquire(a, 2, 60_000)).to.not.equal(undefined);
      expect(await store.acquire(a, 2, 60_000)).to.equal(undefined);
      const gone = { key: a, id: 'not-a-lease' };
      expect(await store.renew(gone, 1_000)).to.equal(false);
    });

    it('a conversation belongs to its first claimer until it expires', async () => {
      const c = key('conversation');
      expect(await store.ownerOf(c)).to.equal(undefined);
      expect(await store.claim(c, 'alice', 300)).to.equal(true);
      expect(await store.claim(c, 'alice', 300)).to.equal(true);
      expect(await store.claim(c, 'bob', 300)).to.equal(false);
      expect(await store.ownerOf(c)).to.equal('alice');
      await sleep(450);
      expect(await store.ownerOf(c)).to.equal(undefined);
      expect(await store.claim(c, 'bob', 300)).to.equal(true);
    });

    it('concurrent acquires never grant more than the limit', async () => {
      const a = key('a');
      const leases = await Promise.all(Array.from({ length: 20 }, () => store.acquire(a, 3, 60_000)));
      expect(leases.filter((l) => l !== undefined)).to.have.length(3);
    });
  });
};
