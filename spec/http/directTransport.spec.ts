import { expect } from 'chai';
import { lastValueFrom, of, toArray } from 'rxjs';
import { make } from '../../lib/core/conversation.js';
import { finish, text } from '../../lib/core/chunk.js';
import { directOpen, directTransport, type EventSink } from '../../lib/http/directTransport.js';
import type { ResponseEvent } from '../../lib/http/transport.js';
import { replyStream, type ReplyPlan } from '../../lib/provider/replyStream.js';

const plan: ReplyPlan = {
  request: { url: 'http://test/api/generateStream', method: 'POST', headers: {}, body: '{}' },
  conversation: make('gpt-4', () => 1),
  returnConversation: false,
  maxResponseBytes: 1024,
  now: () => 0,
};
const head: ResponseEvent = { type: 'head', status: 200, headers: {} };
const body = (data: string): ResponseEvent => ({ type: 'body', data });

describe('http/directTransport', () => {
  it('is an ordinary Transport to anyone who subscribes', async () => {
    const transport = directTransport((_request, sink) => {
      sink.next(head);
      sink.next(body('Hi'));
      sink.complete();
      return undefined;
    });
    expect(await lastValueFrom(transport(plan.request).pipe(toArray()))).to.deep.equal([head, body('Hi')]);
  });

  it('gives its exchange back to the provider; any other transport has none', () => {
    const open = () => undefined;
    expect(directOpen(directTransport(open))).to.equal(open);
    expect(directOpen(() => of(head))).to.be.undefined;
  });

  it('the reply takes each piece in the call that delivers it, and completes', () => {
    let sink: EventSink | undefined;
    const seen: Array<unknown> = [];
    replyStream(
      directTransport((_request, s) => {
        sink = s;
        return undefined;
      }),
      plan,
    ).subscribe({ next: (chunk) => seen.push(chunk), complete: () => seen.push('complete') });
    sink?.next(head);
    sink?.next(body('Hello, '));
    expect(seen).to.deep.equal([text('Hello, ')]);
    sink?.next(body('world'));
    expect(seen).to.deep.equal([text('Hello, '), text('world')]);
    sink?.complete();
    expect(seen).to.deep.equal([text('Hello, '), text('world'), finish, 'complete']);
    expect(sink?.closed).to.be.true;
  });

  it('unsubscribing aborts the exchange once, and later events reach nobody', () => {
    let sink: EventSink | undefined;
    let aborts = 0;
    const seen: Array<unknown> = [];
    const subscription = replyStream(
      directTransport((_request, s) => {
        sink = s;
        return () => {
          aborts++;
        };
      }),
      plan,
    ).subscribe({ next: (chunk) => seen.push(chunk), error: (e) => seen.push(e) });
    sink?.next(head);
    sink?.next(body('Hi'));
    subscription.unsubscribe();
    expect(sink?.closed).to.be.true;
    sink?.next(body(' again'));
    sink?.error(new Error('late'));
    sink?.complete();
    expect(seen).to.deep.equal([text('Hi')]);
    expect(aborts).to.equal(1);
  });

  it('an error from the exchange fails the reply with partialText, and aborts it', () => {
    let sink: EventSink | undefined;
    let aborts = 0;
    const errors: Array<unknown> = [];
    replyStream(
      directTransport((_request, s) => {
        sink = s;
        return () => {
          aborts++;
        };
      }),
      plan,
    ).subscribe({ error: (e) => errors.push(e) });
    sink?.next(head);
    sink?.next(body('Hel'));
    sink?.error(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include({ kind: 'Network', partialText: 'Hel' });
    expect(aborts).to.equal(1);
  });
});
