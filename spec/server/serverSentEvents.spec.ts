import { expect } from 'chai';
import { Observable, take, throwError } from 'rxjs';
import { conversation, finish, text } from '../../lib/core/chunk.js';
import { Conversation } from '../../lib/core/conversation.js';
import { httpError, networkError, YqcloudError } from '../../lib/core/error.js';
import { encodeChunk, encodeErrorEvent } from '../../lib/core/relayProtocol.js';
import { keepAlive, keepAliveComment, toServerSentEvents } from '../../lib/server/index.js';
import { clientError } from '../../lib/server/pipeline/safeError.js';

const encodeError = (e: unknown): string => encodeErrorEvent(clientError(e));
import { collect } from '../support/collect.js';
import { testScheduler } from '../support/marbles.js';

const chunks = { a: text('你好'), b: text('\nline\r\n'), F: finish };
const events = { a: encodeChunk(chunks.a), b: encodeChunk(chunks.b), F: encodeChunk(finish), k: keepAliveComment };

/** The `data` line of one event, parsed. */
const dataOf = (event: string): unknown => JSON.parse(/^data: (.*)$/m.exec(event)?.[1] ?? 'null');

describe('server/serverSentEvents', () => {
  it('encodes each chunk as one event whose data is one line of JSON', () => {
    const c = {
      model: 'gpt-4',
      userId: '#/chat/1764614400000',
      messageHistory: [{ role: 'user' as const, content: 'a\nb' }],
    };
    expect(encodeChunk(text('你好'))).to.equal('event: text\ndata: {"text":"你好"}\n\n');
    expect(encodeChunk(finish)).to.equal('event: finish\ndata: {"reason":"stop"}\n\n');
    const event = encodeChunk(conversation(c));
    expect(event.split('\n')).to.have.length(4);
    expect(dataOf(event)).to.deep.equal(Conversation.toJson(c));
    // Line breaks inside text travel escaped: the event still has exactly one data line.
    expect(encodeChunk(chunks.b).split('\n')).to.deep.equal(['event: text', 'data: {"text":"\\nline\\r\\n"}', '', '']);
  });

  it("encodes a YqcloudError's kind and fields with the server's own message, no cause, no secret", () => {
    const cause = Object.assign(new Error('connect to http://user:pw@proxy failed'), { config: { auth: 'pw' } });
    const error = new YqcloudError('Network', 'network error (ECONNRESET): socket hang up at 10.0.3.7:443', {
      code: 'ECONNRESET',
      partialText: 'Hel',
      cause,
    });
    const event = encodeError(error);
    expect(event.startsWith('event: error\ndata: ')).to.equal(true);
    expect(dataOf(event)).to.deep.equal({
      name: 'YqcloudError',
      kind: 'Network',
      message: 'network error (ECONNRESET): the service reset the connection',
      partialText: 'Hel',
      code: 'ECONNRESET',
    });
    expect(dataOf(encodeError(cause))).to.deep.include({ name: 'YqcloudError', kind: 'Network', code: 'ESERVER' });
    expect(encodeError(cause)).to.not.include('pw');
    expect(encodeChunk(finish, 'r1-7')).to.equal('id: r1-7\nevent: finish\ndata: {"reason":"stop"}\n\n');
    expect(encodeChunk(finish, 'a\nb')).to.match(/^id: ab\n/);
  });

  it('emits one event per chunk and completes with the source', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-F|', chunks).pipe(toServerSentEvents())).toBe('-a-b-F|', events);
    });
  });

  it('sends a keep-alive comment after each keepAliveMs of silence, counted from the last event', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a 20ms b-F|', chunks).pipe(toServerSentEvents({ keepAliveMs: 10 }))).toBe(
        '-a 9ms k 9ms k b-F|',
        events,
      );
    });
  });

  it('sends keep-alives from the start while the source has not answered yet', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('25ms a|', chunks);
      expectObservable(source.pipe(toServerSentEvents({ keepAliveMs: 10 }))).toBe('10ms k 9ms k 4ms a|', events);
      expectSubscriptions(source.subscriptions).toBe('^ 25ms !');
    });
  });

  it('turns an error into the error event and completes, no keep-alive after it', () => {
    const error = httpError(503, 'busy', 2000);
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-#', chunks, error).pipe(toServerSentEvents({ keepAliveMs: 5 }))).toBe('-a-(e|)', {
        ...events,
        e: encodeError(error),
      });
    });
  });

  it('unsubscribes the source and stops the keep-alive timer when unsubscribed', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a------', chunks);
      expectObservable(source.pipe(toServerSentEvents({ keepAliveMs: 2 })), '^----!').toBe('-a-k-', events);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('with keepAliveMs 0 sends no comments, and keepAliveMs sets the interval (virtual time)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('30ms F|', chunks).pipe(toServerSentEvents({ keepAliveMs: 0 }))).toBe('30ms F|', events);
      expectObservable(cold('30ms F|', chunks).pipe(toServerSentEvents({ keepAliveMs: 12 }))).toBe(
        '12ms k 11ms k 5ms F|',
        events,
      );
      // The default interval, 15 s, is not a few milliseconds.
      expectObservable(cold('30ms F|', chunks).pipe(toServerSentEvents())).toBe('30ms F|', events);
      expectObservable(cold('20s F|', chunks).pipe(toServerSentEvents())).toBe('15s k 4999ms F|', events);
    });
  });

  it('stops listening to a synchronous source when unsubscribed (keepAlive and toServerSentEvents)', () => {
    const sideEffects: Array<number> = [];
    const synchronous = new Observable<number>((subscriber) => {
      for (let i = 0; !subscriber.closed && i < 10; i++) {
        sideEffects.push(i);
        subscriber.next(i);
      }
    });
    synchronous
      .pipe(
        (source) => new Observable<string>((s) => source.subscribe({ next: (n) => s.next(String(n)) })),
        keepAlive(),
        take(3),
      )
      .subscribe();
    expect(sideEffects).to.have.length.greaterThan(3); // a hand-made operator drains it: the check can fail
    sideEffects.length = 0;
    const strings = new Observable<string>((subscriber) => {
      for (let i = 0; !subscriber.closed && i < 10; i++) {
        sideEffects.push(i);
        subscriber.next(String(i));
      }
    });
    strings.pipe(keepAlive(), take(3)).subscribe();
    expect(sideEffects).to.deep.equal([0, 1, 2]);
    sideEffects.length = 0;
    const texts = new Observable<ReturnType<typeof text>>((subscriber) => {
      for (let i = 0; !subscriber.closed && i < 10; i++) {
        sideEffects.push(i);
        subscriber.next(text(String(i)));
      }
    });
    texts.pipe(toServerSentEvents(), take(3)).subscribe();
    expect(sideEffects).to.deep.equal([0, 1, 2]);
  });

  it('encodes an error raised synchronously on subscription, then completes', async () => {
    const error = networkError('ECONNREFUSED', 'refused');
    const result = await collect(throwError(() => error).pipe(toServerSentEvents()));
    expect(result).to.deep.include({ completed: true, values: [encodeError(error)] });
  });
});
