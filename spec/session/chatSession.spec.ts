import { expect } from 'chai';
import { Observable, Subject } from 'rxjs';
import { conversation as conversationChunk, finish, text, type Chunk } from '../../lib/core/chunk.js';
import { appendHistory, make, toJson } from '../../lib/core/conversation.js';
import { networkError, withPartialText } from '../../lib/core/error.js';
import type { ChatRequest } from '../../lib/core/request.js';
import { bufferText } from '../../lib/operators/index.js';
import { createChatSession, type ChatState } from '../../lib/session/index.js';

interface Exchange {
  readonly request: ChatRequest;
  readonly reply: Subject<Chunk>;
  unsubscribed: boolean;
}

/** A provider whose replies the test drives by hand: one Subject per request. */
const manualProvider = () => {
  const exchanges: Array<Exchange> = [];
  return {
    exchanges,
    defaultModel: 'gpt-4',
    create: (request: ChatRequest): Observable<Chunk> =>
      new Observable<Chunk>((subscriber) => {
        const exchange: Exchange = { request, reply: new Subject<Chunk>(), unsubscribed: false };
        exchanges.push(exchange);
        const inner = exchange.reply.subscribe(subscriber);
        return () => {
          exchange.unsubscribed = true;
          inner.unsubscribe();
        };
      }),
  };
};

const last = <A>(list: ReadonlyArray<A>): A => {
  const item = list[list.length - 1];
  if (item === undefined) throw new Error('empty');
  return item;
};

describe('session/createChatSession', () => {
  const start = make('gpt-4', () => 1);

  it('streams a reply into pending, then makes it the assistant turn and keeps the returned conversation', () => {
    const provider = manualProvider();
    const chat = createChatSession(provider, { conversation: start });
    const states: Array<ChatState> = [];
    chat.state$.subscribe((s) => states.push(s));
    chat.send('Hi');
    const exchange = last(provider.exchanges);
    expect(exchange.request.messages).to.deep.equal([{ role: 'user', content: 'Hi' }]);
    expect(exchange.request.conversation).to.equal(start);
    expect(exchange.request).to.have.property('returnConversation', true);
    exchange.reply.next(text('Hel'));
    exchange.reply.next(text('lo'));
    const returned = appendHistory({ role: 'assistant', content: 'Hello' })(
      appendHistory({ role: 'user', content: 'Hi' })(start),
    );
    exchange.reply.next(conversationChunk(returned));
    exchange.reply.next(finish);
    exchange.reply.complete();
    expect(states.map((s) => [s.status, s.pending, s.messages.length])).to.deep.equal([
      ['idle', '', 0],
      ['streaming', '', 1],
      ['streaming', 'Hel', 1],
      ['streaming', 'Hello', 1],
      ['idle', '', 2],
    ]);
    expect(last(states).messages).to.deep.equal([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello' },
    ]);
    expect(chat.conversation()).to.equal(returned);
    expect(JSON.parse(JSON.stringify(toJson(chat.conversation())))).to.deep.equal(toJson(returned));
  });

  it('replays the latest state to a late subscriber', () => {
    const provider = manualProvider();
    const chat = createChatSession(provider, { conversation: start });
    chat.send('Hi');
    last(provider.exchanges).reply.next(text('Hel'));
    let seen: ChatState | undefined;
    chat.state$.subscribe((s) => (seen = s));
    expect(seen?.pending).to.equal('Hel');
    expect(seen?.status).to.equal('streaming');
  });

  it('send while streaming cancels the reply in flight (switch) and keeps its partial text', () => {
    const provider = manualProvider();
    const chat = createChatSession(provider, { conversation: start });
    let state: ChatState | undefined;
    chat.state$.subscribe((s) => (state = s));
    chat.send('First');
    const first = last(provider.exchanges);
    first.reply.next(text('Par'));
    chat.send('Second');
    expect(first).to.have.property('unsubscribed', true);
    const second = last(provider.exchanges);
    expect(second).to.not.equal(first);
    expect(second.request.conversation?.messageHistory).to.deep.equal([
      { role: 'user', content: 'First' },
      { role: 'assistant', content: 'Par' },
    ]);
    first.reply.next(text('late'));
    expect(state?.messages).to.deep.equal([
      { role: 'user', content: 'First' },
      { role: 'assistant', content: 'Par' },
      { role: 'user', content: 'Second' },
    ]);
    expect(state?.pending).to.equal('');
  });

  it('stop cancels the reply (the request is unsubscribed) and keeps the partial text as the assistant turn', () => {
    const provider = manualProvider();
    const chat = createChatSession(provider, { conversation: start });
    let state: ChatState | undefined;
    chat.state$.subscribe((s) => (state = s));
    chat.send('Tell me');
    const exchange = last(provider.exchanges);
    exchange.reply.next(text('Once upon'));
    chat.stop();
    expect(exchange).to.have.property('unsubscribed', true);
    expect(state?.status).to.equal('idle');
    expect(state?.messages).to.deep.equal([
      { role: 'user', content: 'Tell me' },
      { role: 'assistant', content: 'Once upon' },
    ]);
    expect(chat.conversation().messageHistory).to.deep.equal(state?.messages);
  });

  it('an error sets status error with the YqcloudError and keeps the partial text', () => {
    const provider = manualProvider();
    const chat = createChatSession(provider, { conversation: start });
    let state: ChatState | undefined;
    chat.state$.subscribe((s) => (state = s));
    chat.send('Hi');
    const error = withPartialText('Hel')(networkError('ECONNRESET', 'reset'));
    last(provider.exchanges).reply.next(text('Hel'));
    last(provider.exchanges).reply.error(error);
    expect(state?.status).to.equal('error');
    expect(state?.error).to.equal(error);
    expect(state?.messages.at(-1)).to.deep.equal({ role: 'assistant', content: 'Hel' });
    chat.send('Again');
    expect(state?.status).to.equal('streaming');
    expect(state?.error).to.equal(undefined);
  });

  it('a provider whose create throws puts the session in error and a later send still works', () => {
    const provider = manualProvider();
    let broken = true;
    const flaky = {
      create: (request: ChatRequest): Observable<Chunk> => {
        if (broken) throw new Error('create failed');
        return provider.create(request);
      },
    };
    const chat = createChatSession(flaky, { conversation: start });
    let state: ChatState | undefined;
    let stateError: unknown;
    chat.state$.subscribe({ next: (s) => (state = s), error: (e: unknown) => (stateError = e) });
    chat.send('Hi');
    expect(stateError).to.equal(undefined);
    expect(state?.status).to.equal('error');
    expect(state?.error?.message).to.equal('create failed');
    broken = false;
    chat.send('Again');
    last(provider.exchanges).reply.next(text('ok'));
    expect(state?.status).to.equal('streaming');
    expect(state?.pending).to.equal('ok');
  });

  it('applies the pipe option to every reply', () => {
    const provider = manualProvider();
    const chat = createChatSession(provider, { conversation: start, pipe: bufferText({ maxChars: 6 }) });
    const pendings: Array<string> = [];
    chat.state$.subscribe((s) => pendings.push(s.pending));
    chat.send('Hi');
    for (const piece of ['a', 'b', 'c', 'd', 'e', 'f']) last(provider.exchanges).reply.next(text(piece));
    expect(pendings).to.deep.equal(['', '', 'abcdef']);
  });

  it('never mutates the conversation it was given', () => {
    const provider = manualProvider();
    const frozen = Object.freeze({ ...start, messageHistory: Object.freeze([]) });
    const chat = createChatSession(provider, { conversation: frozen });
    chat.send('Hi');
    last(provider.exchanges).reply.next(text('x'));
    chat.stop();
    expect(frozen.messageHistory).to.have.length(0);
    expect(chat.conversation().messageHistory).to.have.length(2);
  });

  it('close cancels the reply in flight and completes state$', () => {
    const provider = manualProvider();
    const chat = createChatSession(provider, { conversation: start });
    let completed = false;
    chat.state$.subscribe({ complete: () => (completed = true) });
    chat.send('Hi');
    chat.close();
    expect(last(provider.exchanges)).to.have.property('unsubscribed', true);
    expect({ completed }).to.deep.equal({ completed: true });
  });
});
