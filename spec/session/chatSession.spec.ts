import { expect } from 'chai';
import fc from 'fast-check';
import { map, Observable, Subject, take, throwError } from 'rxjs';
import { conversation as conversationChunk, finish, text, type Chunk } from '../../lib/core/chunk.js';
import { appendHistory, make, toJson, type Conversation } from '../../lib/core/conversation.js';
import { networkError, withPartialText, YqcloudError } from '../../lib/core/error.js';
import type { ChatRequest } from '../../lib/core/request.js';
import { bufferText } from '../../lib/operators/index.js';
import { createChatSession, type ChatState, type ReplyEnd } from '../../lib/session/index.js';
import { synchronousSource } from '../support/synchronousSource.js';

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

/** `base` with a question and its answer appended, as a relay returns it. */
const answered = (base: Conversation, question: string, answer: string): Conversation =>
  appendHistory({ role: 'assistant', content: answer })(appendHistory({ role: 'user', content: question })(base));

/** Ends a reply as the provider does: the conversation, `finish`, complete. */
const endReply = (reply: Subject<Chunk>, returned: Conversation): void => {
  reply.next(conversationChunk(returned));
  reply.next(finish);
  reply.complete();
};

/** What `finished$` says, collected. */
const ends = (chat: ReturnType<typeof createChatSession>): Array<ReplyEnd> => {
  const list: Array<ReplyEnd> = [];
  chat.finished$.subscribe((end) => list.push(end));
  return list;
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
    const returned = answered(start, 'Hi', 'Hello');
    endReply(exchange.reply, returned);
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

  it('a TypeError from the pipe is shown as it is, not labelled Network', () => {
    const provider = manualProvider();
    const bug = new TypeError('chunk.text.toUpperCase is not a function');
    const chat = createChatSession(provider, {
      conversation: start,
      pipe: map((chunk) => {
        if (chunk.type === 'text' && chunk.text === 'boom') throw bug;
        return chunk;
      }),
    });
    let state: ChatState | undefined;
    chat.state$.subscribe((s) => (state = s));
    chat.send('Hi');
    last(provider.exchanges).reply.next(text('boom'));
    expect(state?.status).to.equal('error');
    expect(state?.error).to.equal(bug);
    expect(state?.error).to.not.be.instanceOf(YqcloudError);
  });

  describe('finished$', () => {
    it('stop: the reply finished, with its whole text', () => {
      const provider = manualProvider();
      const chat = createChatSession(provider, { conversation: start });
      const list = ends(chat);
      chat.send('Hi');
      last(provider.exchanges).reply.next(text('Hel'));
      last(provider.exchanges).reply.next(text('lo'));
      last(provider.exchanges).reply.next(finish);
      last(provider.exchanges).reply.complete();
      expect(list).to.deep.equal([{ reason: 'stop', text: 'Hello' }]);
    });

    it('cancelled by Stop, by a new prompt and by close, each with the text received', () => {
      const provider = manualProvider();
      const chat = createChatSession(provider, { conversation: start });
      const list = ends(chat);
      let completed = false;
      chat.finished$.subscribe({ complete: () => (completed = true) });
      chat.send('one');
      last(provider.exchanges).reply.next(text('a'));
      chat.stop();
      chat.send('two');
      last(provider.exchanges).reply.next(text('b'));
      chat.send('three');
      chat.regenerate();
      last(provider.exchanges).reply.next(text('c'));
      chat.close();
      expect(list).to.deep.equal([
        { reason: 'cancelled', text: 'a' },
        { reason: 'cancelled', text: 'b' },
        { reason: 'cancelled', text: '' },
        { reason: 'cancelled', text: 'c' },
      ]);
      expect(completed).to.equal(true);
    });

    it('error: with the error and the partial text', () => {
      const provider = manualProvider();
      const chat = createChatSession(provider, { conversation: start });
      const list = ends(chat);
      const error = withPartialText('Hel')(networkError('ECONNRESET', 'reset'));
      chat.send('Hi');
      last(provider.exchanges).reply.next(text('Hel'));
      last(provider.exchanges).reply.error(error);
      expect(list).to.deep.equal([{ reason: 'error', text: 'Hel', error }]);
    });
  });

  it('regenerate asks the last question again on the history before it, dropping the last reply', () => {
    const provider = manualProvider();
    const chat = createChatSession(provider, { conversation: start });
    let state: ChatState | undefined;
    chat.state$.subscribe((s) => (state = s));
    chat.send('Hi');
    last(provider.exchanges).reply.next(text('Hello'));
    last(provider.exchanges).reply.complete();
    const before = chat.conversation();
    expect(before.messageHistory).to.have.length(2);
    chat.regenerate();
    const again = last(provider.exchanges);
    expect(provider.exchanges).to.have.length(2);
    expect(again.request.messages).to.deep.equal([{ role: 'user', content: 'Hi' }]);
    expect(again.request.conversation?.messageHistory).to.deep.equal([]);
    // a fresh service conversation: the service must forget the dropped reply
    expect(again.request.conversation?.userId).to.match(/^#\/chat\/\d{20}$/);
    expect(again.request.conversation?.userId).to.not.equal(start.userId);
    expect(state?.messages).to.deep.equal([{ role: 'user', content: 'Hi' }]);
    again.reply.next(text('Hey'));
    again.reply.complete();
    expect(chat.conversation().messageHistory).to.deep.equal([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hey' },
    ]);
  });

  it('regenerate while streaming restarts the same turn (the request in flight is aborted); with no question it does nothing', () => {
    const provider = manualProvider();
    const chat = createChatSession(provider, { conversation: start });
    chat.regenerate();
    expect(provider.exchanges).to.have.length(0);
    chat.send('Hi');
    last(provider.exchanges).reply.next(text('Hel'));
    chat.regenerate();
    expect(provider.exchanges).to.have.length(2);
    expect(provider.exchanges[0]?.unsubscribed).to.equal(true);
    const restarted = last(provider.exchanges).request.conversation;
    expect(restarted).to.deep.include({ model: start.model, messageHistory: start.messageHistory });
    expect(restarted?.userId).to.not.equal(start.userId);
  });

  it('edit(index, content) cuts the history after that user message and asks the new content', () => {
    const provider = manualProvider();
    const chat = createChatSession(provider, { conversation: start });
    let state: ChatState | undefined;
    chat.state$.subscribe((s) => (state = s));
    for (const [question, answer] of [
      ['one', 'uno'],
      ['two', 'dos'],
    ]) {
      chat.send(question ?? '');
      last(provider.exchanges).reply.next(text(answer ?? ''));
      last(provider.exchanges).reply.complete();
    }
    chat.edit(2, 'deux?');
    const edited = last(provider.exchanges);
    expect(edited.request.messages).to.deep.equal([{ role: 'user', content: 'deux?' }]);
    expect(edited.request.conversation?.messageHistory).to.deep.equal([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'uno' },
    ]);
    expect(state?.messages.map((m) => m.content)).to.deep.equal(['one', 'uno', 'deux?']);
  });

  it("edit of a message that is not the user's is an InvalidRequest and sends nothing", () => {
    const provider = manualProvider();
    const chat = createChatSession(provider, { conversation: start });
    let state: ChatState | undefined;
    chat.state$.subscribe((s) => (state = s));
    chat.send('one');
    last(provider.exchanges).reply.next(text('uno'));
    last(provider.exchanges).reply.complete();
    chat.edit(1, 'x');
    chat.edit(7, 'x');
    expect(provider.exchanges).to.have.length(1);
    expect(state?.status).to.equal('error');
    expect(state?.error).to.be.instanceOf(YqcloudError).and.include({ kind: 'InvalidRequest', path: 'edit.index' });
  });

  it('sends the historyBudget option with every request', () => {
    const provider = manualProvider();
    const chat = createChatSession(provider, { conversation: start, historyBudget: { maxMessages: 4 } });
    chat.send('Hi');
    expect(last(provider.exchanges).request.historyBudget).to.deep.equal({ maxMessages: 4 });
  });

  const runs = 300;
  it(`property: every reply that started ends exactly once on finished$, in order, with the text it received (${runs} runs)`, () => {
    const actionArb = fc.oneof(
      fc.record({ type: fc.constant('send' as const), content: fc.string({ maxLength: 4 }) }),
      fc.record({ type: fc.constant('regenerate' as const) }),
      fc.record({
        type: fc.constant('edit' as const),
        index: fc.nat({ max: 6 }),
        content: fc.string({ maxLength: 4 }),
      }),
      fc.record({ type: fc.constant('stop' as const) }),
      fc.record({ type: fc.constant('text' as const), text: fc.string({ minLength: 1, maxLength: 4 }) }),
      fc.record({ type: fc.constant('finish' as const) }),
      fc.record({ type: fc.constant('fail' as const) }),
    );
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 30 }), (actions) => {
        const provider = manualProvider();
        const chat = createChatSession(provider, { conversation: start });
        const list = ends(chat);
        const received = new Map<Exchange, string>();
        const live = (): Exchange | undefined => {
          const exchange = provider.exchanges.at(-1);
          return exchange === undefined || exchange.unsubscribed || !exchange.reply.observed ? undefined : exchange;
        };
        for (const action of actions) {
          const exchange = live();
          if (action.type === 'send') chat.send(action.content);
          else if (action.type === 'regenerate') chat.regenerate();
          else if (action.type === 'edit') chat.edit(action.index, action.content);
          else if (action.type === 'stop') chat.stop();
          else if (exchange !== undefined) {
            if (action.type === 'text') {
              received.set(exchange, (received.get(exchange) ?? '') + action.text);
              exchange.reply.next(text(action.text));
            } else if (action.type === 'finish') {
              exchange.reply.next(finish);
              exchange.reply.complete();
            } else exchange.reply.error(networkError('ECONNRESET', 'reset'));
          }
        }
        chat.close();
        expect(list.map((end) => end.text)).to.deep.equal(provider.exchanges.map((e) => received.get(e) ?? ''));
        expect(provider.exchanges.every((e) => !e.reply.observed)).to.equal(true);
        const rewrote = provider.exchanges.some((e) => e.request.conversation?.userId !== start.userId);
        const rewriting = actions.some((a) => a.type === 'regenerate' || a.type === 'edit');
        expect(rewrote).to.equal(rewrote && rewriting);
        if (!rewrote) expect(chat.conversation().userId).to.equal(start.userId);
      }),
      { numRuns: runs },
    );
  });

  describe('adopt: a reply already under way (a page reloaded mid-reply)', () => {
    const adopted = () => {
      let unsubscribed = 0;
      let subscribed = 0;
      const reply = new Subject<Chunk>();
      return {
        reply,
        unsubscribed: () => unsubscribed,
        subscribed: () => subscribed,
        source: new Observable<Chunk>((subscriber) => {
          subscribed += 1;
          const inner = reply.subscribe(subscriber);
          return () => {
            unsubscribed += 1;
            inner.unsubscribe();
          };
        }),
      };
    };

    it('shows the kept text at once, streams the rest, and ends as a sent reply does (no request to the provider)', () => {
      const provider = manualProvider();
      const chat = createChatSession(provider, { conversation: start });
      const states: Array<ChatState> = [];
      chat.state$.subscribe((s) => states.push(s));
      const finished = ends(chat);
      const rest = adopted();
      chat.adopt({ content: 'Hi', text: 'Hel', reply: rest.source });
      expect(rest.subscribed()).to.equal(1);
      rest.reply.next(text('lo'));
      const returned = answered({ ...start, userId: '#/chat/minted' }, 'Hi', 'Hello');
      endReply(rest.reply, returned);
      expect(states.map((s) => [s.status, s.pending, s.messages.length])).to.deep.equal([
        ['idle', '', 0],
        ['streaming', 'Hel', 1],
        ['streaming', 'Hello', 1],
        ['idle', '', 2],
      ]);
      expect(last(states).messages).to.deep.equal(returned.messageHistory); // Hi, then Hello
      expect(chat.conversation()).to.equal(returned);
      expect(finished).to.deep.equal([{ reason: 'stop', text: 'Hello' }]);
      expect(provider.exchanges).to.deep.equal([]);

      // The next question continues the adopted reply's conversation.
      chat.send('More');
      expect(last(provider.exchanges).request.conversation).to.equal(returned);
      chat.close();
    });

    it('goes through the session’s pipe', () => {
      const chat = createChatSession(manualProvider(), {
        conversation: start,
        pipe: map((chunk: Chunk) => (chunk.type === 'text' ? text(chunk.text.toUpperCase()) : chunk)),
      });
      const states: Array<ChatState> = [];
      chat.state$.subscribe((s) => states.push(s));
      const rest = adopted();
      chat.adopt({ content: 'Hi', text: 'Hel', reply: rest.source });
      rest.reply.next(text('lo'));
      expect(last(states).pending).to.equal('HelLO');
      chat.close();
    });

    it('stop unsubscribes the adopted reply and keeps all its text; a new prompt or close cancel it', () => {
      const provider = manualProvider();
      const chat = createChatSession(provider, { conversation: start });
      const finished = ends(chat);
      const first = adopted();
      chat.adopt({ content: 'Hi', text: 'Hel', reply: first.source });
      first.reply.next(text('l'));
      chat.stop();
      expect(first.unsubscribed()).to.equal(1);
      expect(chat.conversation().messageHistory).to.deep.equal([
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hell' },
      ]);

      const second = adopted();
      chat.adopt({ content: 'Again', reply: second.source });
      chat.send('Instead');
      expect(second.unsubscribed()).to.equal(1);
      const third = adopted();
      chat.adopt({ content: 'Once more', text: 'x', reply: third.source });
      expect(last(provider.exchanges).unsubscribed).to.equal(true);
      chat.close();
      expect(third.unsubscribed()).to.equal(1);
      expect(finished).to.deep.equal([
        { reason: 'cancelled', text: 'Hell' },
        { reason: 'cancelled', text: '' },
        { reason: 'cancelled', text: '' },
        { reason: 'cancelled', text: 'x' },
      ]);
    });

    it('a failure keeps the text with the error (a reply the relay no longer has)', () => {
      const chat = createChatSession(manualProvider(), { conversation: start });
      const states: Array<ChatState> = [];
      chat.state$.subscribe((s) => states.push(s));
      const finished = ends(chat);
      const gone = withPartialText('Hel')(new YqcloudError('Network', 'gone', { code: 'EGONE' }));
      chat.adopt({ content: 'Hi', text: 'Hel', reply: throwError(() => gone) });
      expect(last(states)).to.deep.include({ status: 'error', pending: '', error: gone });
      expect(last(states).messages).to.deep.equal([
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hel' },
      ]);
      expect(finished).to.deep.equal([{ reason: 'error', text: 'Hel', error: gone }]);
      chat.close();
    });

    it('a reply that is not an Observable is an InvalidRequest in the state, and the session goes on', () => {
      const provider = manualProvider();
      const chat = createChatSession(provider, { conversation: start });
      const states: Array<ChatState> = [];
      chat.state$.subscribe((s) => states.push(s));
      chat.adopt({ content: 'Hi', reply: 'not an observable' as never });
      expect(last(states).status).to.equal('error');
      expect((last(states).error as YqcloudError).toJSON()).to.deep.include({
        kind: 'InvalidRequest',
        path: 'adopt.reply',
      });
      chat.send('Then this');
      expect(last(states).status).to.equal('streaming');
      chat.close();
    });

    it('more non-Observables (null, a Promise, a bare { subscribe }, an inherited reply) are InvalidRequest, never subscribed', () => {
      let touched = 0;
      const bare = {
        subscribe: () => {
          touched += 1;
          return { unsubscribe: () => {} };
        },
      };
      for (const reply of [null, undefined, Promise.resolve([text('x')]), bare, 42]) {
        const chat = createChatSession(manualProvider(), { conversation: start });
        const states: Array<ChatState> = [];
        chat.state$.subscribe((s) => states.push(s));
        chat.adopt({ content: 'Hi', reply: reply as never });
        expect((last(states).error as YqcloudError | undefined)?.toJSON(), String(reply)).to.deep.include({
          kind: 'InvalidRequest',
          path: 'adopt.reply',
        });
        chat.close();
      }
      expect(touched).to.equal(0);
    });

    it('stops listening to a synchronous adopted reply when the session’s pipe unsubscribes it', () => {
      const source = synchronousSource((i) => text(`${i},`));
      const chat = createChatSession(manualProvider(), { conversation: start, pipe: take(3) });
      const finished = ends(chat);
      chat.adopt({ content: 'Hi', reply: source.source });
      expect(source.emitted()).to.equal(3);
      // Completing without `finish` is `cancelled` (chatState.ts), before `close`.
      expect(finished).to.deep.equal([{ reason: 'cancelled', text: '0,1,2,' }]);
      chat.close();
    });
  });
});
