import { expect } from 'chai';
import { createMemoryStore } from '../../../lib/server/store/memoryStore.js';
import { describeStoreContract } from './storeContract.js';

describeStoreContract('memory', async () => createMemoryStore());

describe('createMemoryStore', () => {
  it('keeps at most maxConversations owners, forgetting the least recently claimed first', async () => {
    const store = createMemoryStore({ maxConversations: 2 });
    await store.claim('a', 'alice', 60_000);
    await store.claim('b', 'alice', 60_000);
    await store.claim('a', 'alice', 60_000);
    await store.claim('c', 'bob', 60_000);
    expect(await store.ownerOf('a')).to.equal('alice');
    expect(await store.ownerOf('b')).to.equal(undefined);
    expect(await store.ownerOf('c')).to.equal('bob');
  });

  it('reads time from its clock', async () => {
    let now = 0;
    const store = createMemoryStore({ now: () => now });
    const lease = await store.acquire('k', 1, 100);
    expect(await store.acquire('k', 1, 100)).to.equal(undefined);
    now = 100;
    expect(await store.acquire('k', 1, 100)).to.not.equal(undefined);
    expect(lease === undefined ? true : await store.renew(lease, 100)).to.equal(false);
  });
});
