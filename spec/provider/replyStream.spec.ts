import { expect } from 'chai';
import { catchError, of, Subject, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { make } from '../../lib/core/conversation.js';
import { conversation, finish, text, type Chunk } from '../../lib/core/chunk.js';
import { YqcloudError } from '../../lib/core/error.js';
import type { ResponseEvent, Transport } from '../../lib/http/transport.js';
import { createBlockPool, type BlockPool } from '../../lib/provider/blockPool.js';
import { banPrefix } from '../../lib/provider/inBand.js';
import { replyStream, type ReplyPlan } from '../../lib/provider/replyStream.js';

const base = make('gpt-4', () => 1);
const plan = (overrides: Partial<ReplyPlan> = {}): ReplyPlan => ({
  request: { url: 'http://test/api/generateStream', method: 'POST', headers: {}, body: '{}' },
  conversation: { ...base, messageHistory: [{ role: 'user', content: 'Hi' }] },
  returnConversation: false,
  maxResponseBytes: 1024 * 1024,
  now: () => 0,
  ...overrides,
});

const head = (status = 200, headers: Record<string, string> = {}): ResponseEvent => ({ type: 'head', status, headers });
const body = (data: string | Uint8Array): ResponseEvent => ({ type: 'body', data });

/** The error as a value, so marbles can compare it. */
const failure = (e: unknown): Record<string, unknown> => {
  if (!(e instanceof YqcloudError)) return { notYqcloudError: String(e) };
  const { kind, partialText, status, reason, code, limitBytes, retryAfterMs } = e;
  return Object.fromEntries(
    Object.entries({ kind, partialText, status, reason, code, limitBytes, retryAfterMs }).filter(
      ([, v]) => v !== undefined,
    ),
  );
};
const settled = (chunks$: Observable<Chunk>): Observable<Chunk | Record<string, unknown>> =>
  chunks$.pipe(catchError((e: unknown) => of(failure(e))));

const scheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });

describe('provider/replyStream (marbles, through the transport seam)', () => {
  it('emits text as pieces arrive, then finish', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const events = cold('-h-a-b-|', { h: head(), a: body('Hel'), b: body('lo') });
      expectObservable(replyStream(() => events, plan())).toBe('---a-b-(f|)', {
        a: text('Hel'),
        b: text('lo'),
        f: finish,
      });
      expectSubscriptions(events.subscriptions).toBe('^------!');
    });
  });

  it('with returnConversation, the conversation comes between the last text and finish', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold('-h-a-b-|', { h: head(), a: body('Hel'), b: body('lo') });
      const c = conversation({
        ...base,
        messageHistory: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello' },
        ],
      });
      expectObservable(replyStream(() => events, plan({ returnConversation: true }))).toBe('---a-b-(cf|)', {
        a: text('Hel'),
        b: text('lo'),
        c,
        f: finish,
      });
    });
  });

  it('holds a start that could be a refusal only until it cannot be', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold('-h-a-b-c-|', { h: head(), a: body('sor'), b: body('ry, I'), c: body(' cannot') });
      expectObservable(replyStream(() => events, plan())).toBe('-----b-c-(f|)', {
        b: text('sorry, I'),
        c: text(' cannot'),
        f: finish,
      });
    });
  });

  it('a body that ends while still undecided ("sorry") is text', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold('-h-a-|', { h: head(), a: body('sorry') });
      expectObservable(replyStream(() => events, plan())).toBe('-----(tf|)', { t: text('sorry'), f: finish });
    });
  });

  it('a refusal split across pieces fails Blocked when recognised, emits none of it, and stops the transport', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const events = cold('-h-a-b-c-|', {
        h: head(),
        a: body(banPrefix.slice(0, 5)),
        b: body(banPrefix.slice(5)),
        c: body('…'),
      });
      expectObservable(settled(replyStream(() => events, plan()))).toBe('-----(e|)', {
        e: { kind: 'Blocked', reason: 'ip-banned', partialText: '' },
      });
      expectSubscriptions(events.subscriptions).toBe('^----!');
    });
  });

  it('a transport failure mid-stream keeps everything emitted as partialText', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold('-h-a-b-#', { h: head(), a: body('Hello, '), b: body('wo') }, new Error('socket hang up'));
      expectObservable(settled(replyStream(() => events, plan()))).toBe('---a-b-(e|)', {
        a: text('Hello, '),
        b: text('wo'),
        e: { kind: 'Network', code: 'ERR_NETWORK', partialText: 'Hello, wo' },
      });
    });
  });

  it('counts UTF-8 bytes, strings included, against maxResponseBytes', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const events = cold('-h-a-b-|', { h: head(), a: body('你'), b: body('你') });
      expectObservable(settled(replyStream(() => events, plan({ maxResponseBytes: 5 })))).toBe('---a-(e|)', {
        a: text('你'),
        e: { kind: 'ResponseTooLarge', limitBytes: 5, partialText: '你' },
      });
      expectSubscriptions(events.subscriptions).toBe('^----!');
    });
  });

  it('a non-2xx fails on completion with the body, or as soon as the excerpt is full', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const short = cold('-h-a-|', { h: head(503, { 'retry-after': '2' }), a: body('busy') });
      expectObservable(settled(replyStream(() => short, plan()))).toBe('-----(e|)', {
        e: { kind: 'Http', status: 503, retryAfterMs: 2000, partialText: '' },
      });
      const long = cold('-h-a-b-|', { h: head(500), a: body('x'.repeat(1024)), b: body('never read') });
      expectObservable(settled(replyStream(() => long, plan()))).toBe('---(e|)', {
        e: { kind: 'Http', status: 500, partialText: '' },
      });
    });
  });

  it('a redirect fails at its head and stops the transport', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const events = cold('-h-a-|', { h: head(302, { location: 'http://u:pw@elsewhere/' }), a: body('moved') });
      expectObservable(settled(replyStream(() => events, plan()))).toBe('-(e|)', {
        e: { kind: 'Http', status: 302, partialText: '' },
      });
      expectSubscriptions(events.subscriptions).toBe('^!');
    });
  });

  it('an empty 200, or whitespace only… is EmptyResponse only when no text at all came', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const empty = cold('-h-|', { h: head() });
      expectObservable(settled(replyStream(() => empty, plan()))).toBe('---(e|)', {
        e: { kind: 'EmptyResponse', status: 200, partialText: '' },
      });
      const emptyPieces = cold('-h-a-|', { h: head(), a: body(new Uint8Array(0)) });
      expectObservable(settled(replyStream(() => emptyPieces, plan()))).toBe('-----(e|)', {
        e: { kind: 'EmptyResponse', status: 200, partialText: '' },
      });
    });
  });

  it('a transport that completes without a response is a Network error', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(settled(replyStream(() => cold('-|'), plan()))).toBe('-(e|)', {
        e: { kind: 'Network', code: 'ERR_NETWORK', partialText: '' },
      });
    });
  });

  it('unsubscribing unsubscribes the transport', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const events = cold('-h-a-b-c-|', { h: head(), a: body('a'), b: body('b'), c: body('c') });
      expectObservable(
        replyStream(() => events, plan()),
        '^----!',
      ).toBe('---a-', { a: text('a') });
      expectSubscriptions(events.subscriptions).toBe('^----!');
    });
  });

  it('each subscription asks the transport again', () => {
    let calls = 0;
    const transport: Transport = () => {
      calls += 1;
      return of(head(), body('x'));
    };
    const reply$ = replyStream(transport, plan());
    expect(calls).to.equal(0);
    reply$.subscribe();
    reply$.subscribe();
    expect(calls).to.equal(2);
  });

  describe('the blocks that keep long pieces go back to the pool however the reply ends', () => {
    const long = body(new TextEncoder().encode('y'.repeat(5000)));
    const counting = (): { pool: BlockPool; taken: () => number; out: () => number } => {
      const inner = createBlockPool(1 << 20);
      let taken = 0;
      let out = 0;
      return {
        pool: {
          ...inner,
          take: (bytes) => {
            taken++;
            out++;
            return inner.take(bytes);
          },
          give: (blocks) => {
            out -= blocks.length;
            inner.give(blocks);
          },
        },
        taken: () => taken,
        out: () => out,
      };
    };
    const endings: ReadonlyArray<readonly [string, string, string | undefined]> = [
      ['completes', '-h-a-a-|', undefined],
      ['fails', '-h-a-a-#', undefined],
      ['is unsubscribed', '-h-a-a-a-a-|', '^------!'],
    ];
    for (const [ending, marble, unsubscription] of endings)
      it(`when it ${ending}`, () => {
        const { pool, taken, out } = counting();
        scheduler().run(({ cold, expectObservable }) => {
          const events = cold(marble, { h: head(), a: long });
          expectObservable(settled(replyStream(() => events, plan({ pool }))), unsubscription);
        });
        expect(taken()).to.be.greaterThan(0);
        expect(out()).to.equal(0);
      });

    it('while it streams, they stay out', () => {
      const { pool, out } = counting();
      const events = new Subject<ResponseEvent>();
      const subscription = replyStream(() => events, plan({ pool })).subscribe();
      events.next(head());
      events.next(long);
      events.next(long);
      expect(out()).to.be.greaterThan(0);
      subscription.unsubscribe();
      expect(out()).to.equal(0);
    });
  });
});
