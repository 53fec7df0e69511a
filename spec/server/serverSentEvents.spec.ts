import { expect } from 'chai';
import { Subject, throwError } from 'rxjs';
import { conversation, finish, text } from '../../lib/core/chunk.js';
import { Conversation } from '../../lib/core/conversation.js';
import { httpError, networkError, YqcloudError } from '../../lib/core/error.js';
import { encodeChunk, encodeError, keepAliveComment, toServerSentEvents } from '../../lib/server/index.js';
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

  it("encodes a YqcloudError as its toJSON(), without the cause's details or a secret", () => {
    const cause = Object.assign(new Error('connect to http://user:pw@proxy failed'), { config: { auth: 'pw' } });
    const error = new YqcloudError('Network', 'network error (ECONNRESET): socket hang up', {
      code: 'ECONNRESET',
      partialText: 'Hel',
      cause: new Error('socket hang up'),
    });
    const event = encodeError(error);
    expect(event.startsWith('event: error\ndata: ')).to.equal(true);
    expect(dataOf(event)).to.deep.equal(error.toJSON());
    expect(dataOf(event)).to.include({ kind: 'Network', code: 'ECONNRESET', partialText: 'Hel' });
    expect(dataOf(encodeError(cause))).to.deep.include({ name: 'YqcloudError', kind: 'Network', code: 'ERELAY' });
    expect(encodeError(cause)).to.not.include('pw');
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

  it('with keepAliveMs 0 sends no comments', async () => {
    const source = new Subject<typeof finish>();
    const result = collect(source.pipe(toServerSentEvents({ keepAliveMs: 0 })));
    await new Promise((resolve) => setTimeout(resolve, 5));
    source.next(finish);
    source.complete();
    expect((await result).values).to.deep.equal([events.F]);
  });

  it('encodes an error raised synchronously on subscription, then completes', async () => {
    const error = networkError('ECONNREFUSED', 'refused');
    const result = await collect(throwError(() => error).pipe(toServerSentEvents()));
    expect(result).to.deep.include({ completed: true, values: [encodeError(error)] });
  });
});
