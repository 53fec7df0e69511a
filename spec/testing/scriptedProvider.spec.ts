import { expect } from 'chai';
import { map, Observable } from 'rxjs';
import { blocked, httpError, YqcloudError } from '../../lib/core/error.js';
import { banPrefix } from '../../lib/provider/inBand.js';
import { fallback, retryTransient, textOnly } from '../../lib/operators/index.js';
import { createChatSession, type ReplyEnd } from '../../lib/session/index.js';
import { answers, createScriptedProvider, replyValues } from '../../lib/testing/index.js';
import { testScheduler } from '../support/marbles.js';

const messages = [{ role: 'user' as const, content: 'Hi' }];

describe('testing/createScriptedProvider', () => {
  it('a 503, then a reply: retryTransient waits and the second request answers', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const provider = createScriptedProvider([
        answers.status(503),
        answers.reply(cold('-a-b|', { a: 'Hel', b: 'lo' })),
      ]);
      const reply$ = provider.create({ messages }).pipe(retryTransient({ baseDelayMs: 4, random: () => 0.5 }));
      expectObservable(reply$).toBe('---a-b(F|)', replyValues({ a: 'Hel', b: 'lo' }));
    });
  });

  it('a 429 with Retry-After, then a reply: the wait is the server asked for', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const provider = createScriptedProvider([answers.status(429, 1), answers.reply(cold('a|', { a: 'ok' }))]);
      const reply$ = provider.create({ messages }).pipe(retryTransient({ maxDelayMs: 5000 }), textOnly());
      expectObservable(reply$).toBe('1000ms a|', { a: 'ok' });
    });
  });

  it('a ban, then a reply: fallback takes the second route, nothing of the ban text shown', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const provider = createScriptedProvider([answers.ban(), answers.reply(cold('--a|', { a: '你好' }))]);
      const reply$ = provider
        .create({ messages })
        .pipe(fallback({ name: 'relay', reply: provider.create({ messages }) }));
      expectObservable(reply$).toBe('--a(F|)', replyValues({ a: '你好' }));
    });
  });

  it('refused twice: fallback fails with the last route error, naming both; retryTransient does not retry a ban', () => {
    testScheduler().run(({ expectObservable }) => {
      const provider = createScriptedProvider([answers.network(), answers.status(502), answers.ban()]);
      const reply$ = provider
        .create({ messages })
        .pipe(fallback({ primary: 'direct' }, { name: 'relay', reply: provider.create({ messages }) }));
      const last = httpError(502, 'status 502');
      expectObservable(reply$).toBe(
        '#',
        undefined,
        new YqcloudError('Http', `${last.message} [routes tried: direct (Network ECONNREFUSED), relay (Http 502)]`, {
          status: 502,
          body: 'status 502',
        }),
      );
    });
    const banned = testScheduler().run(({ expectObservable }) => {
      const provider = createScriptedProvider([answers.ban(), answers.reply(new Observable())]);
      expectObservable(provider.create({ messages }).pipe(retryTransient())).toBe(
        '#',
        undefined,
        blocked('ip-banned', `${banPrefix}, ip: 203.0.113.7`),
      );
      return provider;
    });
    expect(banned.requests).to.have.length(1);
  });

  it('a request past the script fails with InvalidRequest (path transport), never a made-up Network error', () => {
    let failure: unknown;
    createScriptedProvider([])
      .create({ messages })
      .subscribe({ error: (e: unknown) => (failure = e) });
    expect(failure).to.be.instanceOf(YqcloudError).and.include({ kind: 'InvalidRequest', path: 'transport' });
  });

  it('drives a chat session: a 503 retried in its pipe, then the reply; finished$ says stop', () => {
    const ends: Array<ReplyEnd> = [];
    const provider = testScheduler().run(({ cold, expectObservable }) => {
      const provider = createScriptedProvider([
        answers.status(503),
        answers.reply(cold('-a-b|', { a: 'Hel', b: 'lo' })),
      ]);
      const chat = createChatSession(provider, { pipe: retryTransient({ baseDelayMs: 2, random: () => 0.5 }) });
      chat.finished$.subscribe((end) => ends.push(end));
      cold('-s').subscribe(() => chat.send('Hi'));
      expectObservable(
        chat.state$.pipe(map((state) => `${state.status}:${state.pending}:${state.messages.length}`)),
      ).toBe('is-a-bz', {
        i: 'idle::0',
        s: 'streaming::1',
        a: 'streaming:Hel:1',
        b: 'streaming:Hello:1',
        z: 'idle::2',
      });
      return provider;
    });
    expect(ends).to.deep.equal([{ reason: 'stop', text: 'Hello' }]);
    expect(provider.requests.map((r) => r.body.prompt)).to.deep.equal(['Hi', 'Hi']);
  });
});
