import { expect } from 'chai';
import { of } from 'rxjs';
import { finish, text } from '../../lib/core/chunk.js';
import { createMemoryReplyStore, createOpenAIHandler, createRelayHandler } from '../../lib/server/index.js';
import { listen, stopAll } from './relay.support.js';

// Requests per minute: one budget per client across the handlers sharing a store, checked
// before the body is read.
describe('server: requests per minute, across the routes sharing a store', () => {
  afterEach(() => stopAll());

  it('refuses the third request of a minute with 429 and retry-after, whichever route; other clients go on', async () => {
    const store = createMemoryReplyStore();
    const options = {
      provider: { create: () => of(text('Hi'), finish) },
      authorize: (request: { readonly headers: Headers }) => request.headers.get('authorization') ?? false,
      store,
      maxRequestsPerMinute: 2,
    };
    const relay = await listen(createRelayHandler(options));
    const openai = (await listen(createOpenAIHandler(options))).replace(/\/relay$/, '/v1/chat/completions');
    const send = (url: string, who: string) =>
      fetch(url, {
        method: 'POST',
        headers: { authorization: who, 'content-type': 'application/json' },
        body: JSON.stringify(
          url.endsWith('/relay')
            ? { messages: [{ role: 'user', content: 'Hi' }] }
            : { model: 'gpt-4', messages: [{ role: 'user', content: 'Hi' }] },
        ),
      });
    const first = await send(relay, 'alice');
    await first.text();
    const second = await send(openai, 'alice');
    await second.text();
    const third = await send(relay, 'alice');
    expect([first.status, second.status, third.status]).to.deep.equal([200, 200, 429]);
    expect(Number(third.headers.get('retry-after'))).to.be.within(1, 60);
    const bob = await send(openai, 'bob');
    expect(bob.status).to.equal(200);
    await bob.text();
  });
});
