import { expect } from 'chai';
import fc from 'fast-check';
import { catchError, lastValueFrom, of, toArray, type Observable } from 'rxjs';
import { conversation, finish, text, type Chunk } from '../../lib/core/chunk.js';
import { Conversation } from '../../lib/core/conversation.js';
import {
  blocked,
  httpError,
  invalidRequest,
  timeoutError,
  withPartialText,
  YqcloudError,
} from '../../lib/core/error.js';
import type { ResponseEvent } from '../../lib/http/transport.js';
import { maxEventChars, refusalError, relayReply } from '../../lib/provider/relayReply.js';
import { testScheduler } from '../support/marbles.js';

const request = { url: 'http://relay.test/chat', method: 'POST', headers: {}, body: '{}' } as const;
const sse = { 'content-type': 'text/event-stream; charset=utf-8' };
const head = (status = 200, headers: Record<string, string> = sse): ResponseEvent => ({
  type: 'head',
  status,
  headers,
});
const body = (data: string | Uint8Array): ResponseEvent => ({ type: 'body', data });
const event = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

/** The error as a plain object so marbles compare every field. */
const settled = (chunks$: Observable<Chunk>): Observable<unknown> =>
  chunks$.pipe(catchError((e: unknown) => of(e instanceof YqcloudError ? e.toJSON() : { notYqcloudError: String(e) })));

const reply = (events: Observable<ResponseEvent>): Observable<unknown> =>
  settled(
    relayReply(
      () => events,
      request,
      () => 0,
    ),
  );

describe('provider/relayReply (marbles, through the transport seam)', () => {
  it('emits a text chunk per text event as it arrives, then finish, and completes', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const events = cold('-h-a-b-f-|', {
        h: head(),
        a: body(event('text', { text: '你好' })),
        b: body(event('text', { text: ', world' })),
        f: body(event('finish', { reason: 'stop' })),
      });
      expectObservable(reply(events)).toBe('---a-b-(f|)', { a: text('你好'), b: text(', world'), f: finish });
      expectSubscriptions(events.subscriptions).toBe('^------!');
    });
  });

  it('reads events split anywhere, characters split across pieces, CRLF lines and keep-alive comments', () => {
    const encoder = new TextEncoder();
    const first = encoder.encode(`: keep-alive\r\n\r\n${event('text', { text: '你好' }).replaceAll('\n', '\r\n')}`);
    const rest = encoder.encode(`: keep-alive\n\n${event('finish', { reason: 'stop' })}`);
    const cut = first.indexOf(0xe4) + 1; // inside 你
    testScheduler().run(({ cold, expectObservable }) => {
      const events = cold('-h-a-b-c-d-|', {
        h: head(),
        a: body(first.slice(0, cut)),
        b: body(first.slice(cut, first.length - 1)),
        c: body(first.slice(first.length - 1)),
        d: body(rest),
      });
      expectObservable(reply(events)).toBe('-------c-(f|)', { c: text('你好'), f: finish });
    });
  });

  it('decodes the conversation event with Conversation.fromJson', () => {
    const c = Conversation.make('gpt-4', () => 1764614400000);
    const json = Conversation.toJson({
      ...c,
      messageHistory: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Yo' },
      ],
    });
    testScheduler().run(({ cold, expectObservable }) => {
      const events = cold('-(hacf|)', {
        h: head(),
        a: body(event('text', { text: 'Yo' })),
        c: body(event('conversation', json)),
        f: body(event('finish', { reason: 'stop' })),
      });
      const fromJson = Conversation.fromJson(json);
      if (fromJson._tag === 'Left') expect.fail(fromJson.left.message);
      expectObservable(reply(events)).toBe('-(acf|)', { a: text('Yo'), c: conversation(fromJson.right), f: finish });
    });
  });

  it('skips empty text and events of other names', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const events = cold('-(habf|)', {
        h: head(),
        a: body(event('text', { text: '' })),
        b: body(`event: ping\ndata: whatever\n\ndata: unnamed\n\n${event('text', { text: 'x' })}`),
        f: body(event('finish', {})),
      });
      expectObservable(reply(events)).toBe('-(xf|)', { x: text('x'), f: finish });
    });
  });

  it('an error event is revived with its kind and fields, and the text this client delivered as partialText', () => {
    const relays = withPartialText('what the relay counted')(blocked('ip-banned', 'sorry'));
    testScheduler().run(({ cold, expectObservable }) => {
      const events = cold('-h-a-e-|', {
        h: head(),
        a: body(event('text', { text: 'Hel' })),
        e: body(event('error', relays)),
      });
      expectObservable(reply(events)).toBe('---a-(e|)', {
        a: text('Hel'),
        e: withPartialText('Hel')(blocked('ip-banned', 'sorry')).toJSON(),
      });
    });
  });

  it('an event it cannot read is Network EPROTO with partialText; nothing after it is emitted', () => {
    for (const [name, data] of [
      ['text', '{"text": 3}'],
      ['text', 'not json'],
      ['conversation', '{"model":"gpt-4"}'],
      ['error', '{"kind":"Http","message":"no status"}'],
      ['error', '{"kind":"Martian","message":"?"}'],
    ] as const)
      testScheduler().run(({ cold, expectObservable }) => {
        const events = cold('-(haxb|)', {
          h: head(),
          a: body(event('text', { text: 'ok' })),
          x: body(`event: ${name}\ndata: ${data}\n\n`),
          b: body(event('text', { text: 'never' })),
        });
        expectObservable(reply(events).pipe(catchError((e) => of(e)))).toBe('-(ae|)', {
          a: text('ok'),
          e: {
            name: 'YqcloudError',
            kind: 'Network',
            code: 'EPROTO',
            partialText: 'ok',
            message: `network error (EPROTO): the relay sent a \`${name}\` event the client cannot read (${
              name === 'text'
                ? data === 'not json'
                  ? 'its data is not JSON'
                  : 'expected {"text": string}'
                : name === 'conversation'
                  ? 'not a conversation: userId: expected string, got undefined; message_history: expected ReadonlyArray<Message>, got undefined'
                  : name === 'error' && data.includes('Martian')
                    ? 'not an error: unknown kind "Martian"'
                    : 'not a Http error: status: expected an HTTP status (an integer from 0 to 999), got undefined; body: expected string, got undefined'
            })`,
          },
        });
      });
  });

  it('a stream that ends before finish is Network ERR_STREAM_PREMATURE_CLOSE with the text received', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const events = cold('-h-a-b|', {
        h: head(),
        a: body(event('text', { text: 'Hel' })),
        b: body('event: text\ndata: {"text":"lo"}\n'), // no closing blank line: dropped
      });
      expectObservable(reply(events)).toBe('---a--(e|)', {
        a: text('Hel'),
        e: {
          name: 'YqcloudError',
          kind: 'Network',
          code: 'ERR_STREAM_PREMATURE_CLOSE',
          partialText: 'Hel',
          message: 'network error (ERR_STREAM_PREMATURE_CLOSE): the relay closed the stream before the reply finished',
        },
      });
    });
  });

  it('a transport error mid-reply keeps the text received', () => {
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    testScheduler().run(({ cold, expectObservable }) => {
      const events = cold('-h-a-#', { h: head(), a: body(event('text', { text: 'Hel' })) }, reset);
      expectObservable(reply(events)).toBe('---a-(e|)', {
        a: text('Hel'),
        e: {
          name: 'YqcloudError',
          kind: 'Network',
          code: 'UND_ERR_SOCKET',
          partialText: 'Hel',
          message: 'network error (UND_ERR_SOCKET): other side closed',
          cause: { name: 'Error', message: 'other side closed' },
        },
      });
    });
  });

  it('a 2xx that is not an event stream is Http, and the exchange is dropped at once', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const events = cold('-h-a-|', { h: head(200, { 'content-type': 'text/html' }), a: body('<html>') });
      expectObservable(reply(events)).toBe('-(e|)', {
        e: httpError(200, '', undefined, 'the relay did not answer with an event stream').toJSON(),
      });
      expectSubscriptions(events.subscriptions).toBe('^!');
    });
  });

  it('a refusal with a JSON error is revived with its kind (400 InvalidRequest, 401 Http, 429 with Retry-After)', () => {
    const cases: ReadonlyArray<readonly [number, Record<string, string>, YqcloudError, YqcloudError]> = [
      [
        400,
        {},
        invalidRequest('messages', 'at least one message is required'),
        invalidRequest('messages', 'at least one message is required'),
      ],
      [401, { 'www-authenticate': 'Bearer' }, httpError(401, ''), httpError(401, '')],
      [429, { 'retry-after': '3' }, httpError(429, 'too many streams'), httpError(429, 'too many streams', 3000)],
      [429, { 'retry-after': '3' }, httpError(429, 'too many streams', 1500), httpError(429, 'too many streams', 1500)],
      [413, {}, invalidRequest('', 'the body is over 65536 bytes'), invalidRequest('', 'the body is over 65536 bytes')],
    ];
    for (const [status, headers, sent, expected] of cases)
      testScheduler().run(({ cold, expectObservable }) => {
        const json = JSON.stringify({ error: sent });
        const events = cold('-h-a-b-|', {
          h: head(status, { 'content-type': 'application/json', ...headers }),
          a: body(json.slice(0, 10)),
          b: body(json.slice(10)),
        });
        expectObservable(reply(events)).toBe('-------(e|)', { e: expected.toJSON() });
      });
  });

  it('a refusal without a readable JSON error is Http with the status and an excerpt', () => {
    for (const [status, text_, expected] of [
      [502, '<html>Bad gateway</html>', httpError(502, '<html>Bad gateway</html>')],
      [500, '', httpError(500, '')],
      [403, '{"error":{"kind":"Nope"}}', httpError(403, '{"error":{"kind":"Nope"}}')],
      [404, 'null', httpError(404, 'null')],
      [302, '', httpError(302, '', undefined, 'redirect not followed')],
      [0, '', httpError(0, '', undefined, 'redirect not followed')],
    ] as const)
      testScheduler().run(({ cold, expectObservable }) => {
        const events = cold('-h-a-|', { h: head(status, { 'content-type': 'text/html' }), a: body(text_) });
        expectObservable(reply(events)).toBe('-----(e|)', { e: expected.toJSON() });
      });
  });

  it('an event past the limit is ResponseTooLarge, not unbounded memory', async () => {
    const huge = 'x'.repeat(1024 * 1024);
    const pieces = Array.from({ length: maxEventChars / huge.length + 1 }, () => body(huge));
    const chunks = await lastValueFrom(
      reply(of(head(), body('event: text\ndata: {"text":"'), ...pieces)).pipe(toArray()),
    );
    expect(chunks).to.have.length(1);
    expect(chunks[0]).to.include({ kind: 'ResponseTooLarge', limitBytes: maxEventChars });
  });

  it('refusalError leaves a timeout as it came', () => {
    expect(refusalError(504, {}, JSON.stringify({ error: timeoutError('total', 5) }), 0).toJSON()).to.deep.equal(
      timeoutError('total', 5).toJSON(),
    );
  });

  it('nothing lost, nothing reordered, however the stream is cut into byte pieces (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme', minLength: 1 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (texts, cuts) => {
          const bytes = new TextEncoder().encode(
            `${texts.map((t) => event('text', { text: t })).join(': keep-alive\n\n')}${event('finish', { reason: 'stop' })}`,
          );
          const at = [...new Set(cuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
          const pieces = [0, ...at].map((start, i) => bytes.slice(start, [...at, bytes.length][i]));
          const chunks = await lastValueFrom(
            relayReply(
              () => of(head(), ...pieces.filter((p) => p.length > 0).map(body)),
              request,
              () => 0,
            ).pipe(toArray()),
          );
          expect(chunks).to.deep.equal([...texts.map((t) => text(t)), finish]);
        },
      ),
    );
  });
});
