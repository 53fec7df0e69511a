import { expect } from 'chai';
import { of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { finish, text } from '../../lib/core/chunk.js';
import { blocked, YqcloudError } from '../../lib/core/error.js';
import { banPrefix } from '../../lib/provider/inBand.js';
import { textOnly } from '../../lib/operators/index.js';
import { createTestProvider, replyValues, textChunks, toMarble } from '../../lib/testing/index.js';
import { testScheduler } from '../support/marbles.js';

const messages = [{ role: 'user' as const, content: 'Hi' }];

describe('testing/createTestProvider', () => {
  it('runs the real pipeline on a marble body: text as pieces arrive, then finish', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const body = cold('-a-b-|', { a: 'Hel', b: 'lo' });
      const provider = createTestProvider({ body });
      expectObservable(provider.create({ messages })).toBe('-a-b-(F|)', replyValues({ a: 'Hel', b: 'lo' }));
      expectSubscriptions(body.subscriptions).toBe('^----!');
    });
  });

  it('decodes bytes split inside a character, as the network would deliver them', () => {
    const bytes = new TextEncoder().encode('你好');
    testScheduler().run(({ cold, expectObservable }) => {
      const provider = createTestProvider({ body: cold('-a-b-|', { a: bytes.subarray(0, 4), b: bytes.subarray(4) }) });
      expectObservable(provider.create({ messages }).pipe(textOnly())).toBe('-a-b-|', { a: '你', b: '好' });
    });
  });

  it('turns an in-band ban split across pieces into a Blocked error, with no text emitted', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const provider = createTestProvider({
        body: cold('-a-b|', { a: banPrefix.slice(0, 5), b: `${banPrefix.slice(5)}, ip: 1.2.3.4` }),
      });
      expectObservable(provider.create({ messages })).toBe(
        '---#',
        undefined,
        blocked('ip-banned', `${banPrefix}, ip: 1.2.3.4`),
      );
    });
  });

  it('maps the status: a 429 with retry-after becomes an Http error with retryAfterMs', () => {
    let failure: unknown;
    createTestProvider({ body: of('slow down'), status: 429, headers: { 'retry-after': '3' } })
      .create({ messages })
      .subscribe({ error: (e: unknown) => (failure = e) });
    expect(failure).to.be.instanceOf(YqcloudError).and.include({ kind: 'Http', status: 429, retryAfterMs: 3000 });
  });

  it('records the requests it would have sent, one per subscription', () => {
    const provider = createTestProvider({ body: of('ok') });
    const reply$ = provider.create({ messages: [{ role: 'system', content: 'Be brief' }, ...messages] });
    expect(provider.requests).to.have.length(0);
    reply$.subscribe();
    reply$.subscribe();
    expect(provider.requests).to.have.length(2);
    expect(provider.requests[0]?.body).to.deep.equal({
      prompt: 'Hi',
      userId: '#/chat/0',
      network: true,
      system: 'Be brief',
      withoutContext: false,
      stream: true,
    });
    expect(provider.requests[0]?.headers.origin).to.equal('https://chat9.yqcloud.top');
  });

  it('gives each request its own body when body is a function', () => {
    const provider = createTestProvider({ body: (_request, index) => of(`reply ${index}`) });
    const texts: Array<string> = [];
    provider
      .create({ messages })
      .pipe(textOnly())
      .subscribe((t) => texts.push(t));
    provider
      .create({ messages })
      .pipe(textOnly())
      .subscribe((t) => texts.push(t));
    expect(texts).to.deep.equal(['reply 0', 'reply 1']);
  });
});

describe('testing/marble helpers', () => {
  it('textChunks and replyValues build marble values', () => {
    expect(textChunks('ab')).to.deep.equal({ a: text('a'), b: text('b') });
    expect(replyValues({ a: 'Hel' })).to.deep.equal({ a: text('Hel'), F: finish });
  });

  it('toMarble turns chunks back into a marble and values', () => {
    expect(toMarble([text('Hi'), text('!'), finish])).to.deep.equal({
      marble: '(abF|)',
      values: { a: text('Hi'), b: text('!'), F: finish },
    });
  });

  it('toMarble gives every text chunk its own letter, however many there are: the marble reads back as the chunks', () => {
    const chunks = [...Array.from({ length: 3000 }, (_, i) => text(`piece ${i}`)), finish];
    const { marble, values } = toMarble(chunks);
    const read = TestScheduler.parseMarbles(marble, values, undefined, undefined, true).flatMap((m) =>
      m.notification.kind === 'N' ? [m.notification.value] : [],
    );
    expect(read).to.deep.equal(chunks);
  });
});
