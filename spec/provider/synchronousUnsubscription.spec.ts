import { expect } from 'chai';
import { EMPTY, Subject, take, takeUntil, tap } from 'rxjs';
import { text, type Chunk } from '../../lib/core/chunk.js';
import { createChatSession } from '../../lib/session/index.js';
import { createTestProvider } from '../../lib/testing/index.js';
import { synchronousSource } from '../support/synchronousSource.js';

const messages = [{ role: 'user' as const, content: 'Hi' }];

// RxJS's own spec, for the Observables we return: "should stop listening to a synchronous observable when unsubscribed".
describe('provider and session: unsubscribing stops a synchronous body', () => {
  it('create() over a synchronous transport should stop listening when unsubscribed (take(1))', () => {
    const { source, emitted } = synchronousSource((i) => `piece ${i} `);
    const provider = createTestProvider({ body: source });
    provider.create({ messages }).pipe(take(1)).subscribe();
    expect(emitted()).to.be.at.most(2);
  });

  it('create() over a synchronous transport should stop listening when unsubscribed at the 5th value', () => {
    const { source, emitted } = synchronousSource((i) => `piece ${i} `);
    const stop$ = new Subject<void>();
    const body = source.pipe(
      tap(() => {
        if (emitted() === 5) stop$.next();
      }),
    );
    const provider = createTestProvider({ body });
    provider.create({ messages }).pipe(takeUntil(stop$)).subscribe();
    expect(emitted()).to.equal(5);
  });

  it("the session's reply stops a synchronous body when stopped while it streams", () => {
    const { source, emitted } = synchronousSource((i) => `piece ${i} `);
    const chat = createChatSession(createTestProvider({ body: source }));
    let stopped = false;
    chat.state$.subscribe((state) => {
      if (!stopped && state.pending.length > 20) {
        stopped = true;
        chat.stop();
      }
    });
    chat.send('Hi');
    expect(emitted()).to.be.below(10);
    expect(chat.conversation().messageHistory.at(-1)?.role).to.equal('assistant');
    chat.close();
  });

  it('an adopted reply (chat.adopt) stops a synchronous source when stopped while it streams', () => {
    const { source, emitted } = synchronousSource((i): Chunk => text(`piece ${i} `));
    const chat = createChatSession(createTestProvider({ body: EMPTY }));
    let stopped = false;
    chat.state$.subscribe((state) => {
      if (!stopped && state.pending.length > 20) {
        stopped = true;
        chat.stop();
      }
    });
    chat.adopt({ content: 'Hi', text: 'kept ', reply: source });
    expect(emitted()).to.be.below(10);
    expect(chat.conversation().messageHistory.at(-1)?.content).to.match(/^kept piece 0 /);
    chat.close();
  });
});
