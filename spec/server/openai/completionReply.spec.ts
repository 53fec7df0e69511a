import { expect } from 'chai';
import { Observable, Subject, take, type Subscription } from 'rxjs';
import { finish, text, type Chunk } from '../../../lib/index.js';
import { httpError, networkError } from '../../../lib/core/error.js';
import type { ReplyPart } from '../../../lib/server/pipeline/reply.js';
import { clientError } from '../../../lib/server/pipeline/safeError.js';
import { completionReply } from '../../../lib/server/routes/openai/completionReply.js';
import { withTelemetry } from '../../../lib/operators/withTelemetry.js';
import { openTelemetry } from '../../support/openTelemetry.js';

const meta = { id: 'chatcmpl-1', created: 1, model: 'gpt-4' };

const run = (
  chunks: Observable<Chunk>,
  stream: boolean,
  maxReplyBytes = 1024 * 1024,
): { readonly parts: Array<ReplyPart>; readonly subscription: Subscription; done: () => boolean } => {
  const parts: Array<ReplyPart> = [];
  let completed = false;
  const subscription = completionReply(chunks, { stream, meta, headers: {}, maxReplyBytes, clientError }).subscribe({
    next: (part) => parts.push(part),
    complete: () => {
      completed = true;
    },
  });
  return { parts, subscription, done: () => completed };
};

const heads = (parts: ReadonlyArray<ReplyPart>) => parts.filter((p) => p.type === 'head');
const datas = (parts: ReadonlyArray<ReplyPart>): Array<string> =>
  parts.flatMap((p) => (p.type === 'data' ? [p.text] : []));
const data = (event: string): unknown => JSON.parse(event.replace(/^data: /, ''));

describe('server/openai/completionReply', () => {
  it('sends nothing before the first text, so a failure before text is a real status', () => {
    const chunks = new Subject<Chunk>();
    const out = run(chunks, true);
    expect(out.parts).to.deep.equal([]);
    chunks.error(httpError(429, 'slow down', 4000));
    const [head] = heads(out.parts);
    expect(head).to.deep.include({ status: 429 });
    expect(head?.headers).to.include({ 'retry-after': '4', 'x-should-retry': 'true' });
    expect(JSON.parse(head?.type === 'head' ? (head.body ?? '') : '')).to.have.nested.property(
      'error.code',
      'upstream_rate_limited',
    );
    expect(out.done()).to.equal(true);
  });

  it('after text, a failure is one error event and the stream ends without [DONE]', () => {
    const chunks = new Subject<Chunk>();
    const out = run(chunks, true);
    chunks.next(text('Hel'));
    chunks.next(text('lo'));
    chunks.error(networkError('ECONNRESET', 'socket hang up'));
    expect(heads(out.parts).map((h) => (h.type === 'head' ? h.status : 0))).to.deep.equal([200]);
    const events = datas(out.parts);
    expect(events).to.have.length(3);
    expect(events.at(-1)).to.not.include('[DONE]');
    expect(data(events.at(-1) ?? '')).to.have.nested.property('error.code', 'upstream_network');
  });

  it('a source that completes without finish is a failure, not a finished reply', () => {
    const chunks = new Subject<Chunk>();
    const out = run(chunks, false);
    chunks.next(text('Hel'));
    chunks.complete();
    expect(heads(out.parts)[0]).to.include({ status: 502 });
  });

  it('a finished reply with no text still streams a role chunk, then stop and [DONE]', () => {
    const chunks = new Subject<Chunk>();
    const out = run(chunks, true);
    chunks.next(finish);
    chunks.complete();
    const events = datas(out.parts);
    expect(data(events[0] ?? '')).to.have.nested.property('choices[0].delta.role', 'assistant');
    expect(events.at(-1)).to.match(/"finish_reason":"stop".*\n\ndata: \[DONE\]\n\n$/s);
  });

  it('stream: false keeps at most maxReplyBytes, then answers 502 ResponseTooLarge and unsubscribes', () => {
    const chunks = new Subject<Chunk>();
    const out = run(chunks, false, 10);
    chunks.next(text('12345'));
    chunks.next(text('67890'));
    expect(out.parts).to.deep.equal([]);
    chunks.next(text('!'));
    const [head] = heads(out.parts);
    expect(head).to.include({ status: 502 });
    expect(head?.type === 'head' ? head.body : '').to.include('upstream_response_too_large');
    expect(chunks.observed).to.equal(false);
  });

  it('a reply cut off as ResponseTooLarge is an error of that kind for the source’s telemetry, not a cancellation', async () => {
    const otel = openTelemetry();
    try {
      const chunks = new Subject<Chunk>();
      run(chunks.pipe(withTelemetry({ tracer: otel.tracer })), false, 10);
      chunks.next(text('12345678901'));
      const [span] = otel.finishedSpans();
      expect(span?.attributes).to.include({ 'yqcloud.reply.outcome': 'error', 'error.type': 'ResponseTooLarge' });
    } finally {
      await otel.shutdown();
    }
  });

  it('unsubscribing (the client left) unsubscribes the source; a synchronous source stops at once', () => {
    const chunks = new Subject<Chunk>();
    const out = run(chunks, true);
    chunks.next(text('Hi'));
    out.subscription.unsubscribe();
    expect(chunks.observed).to.equal(false);
    const pulled: Array<number> = [];
    const synchronous = new Observable<Chunk>((subscriber) => {
      for (let i = 0; !subscriber.closed && i < 1000; i++) {
        pulled.push(i);
        subscriber.next(text(String(i)));
      }
    });
    completionReply(synchronous, { stream: true, meta, headers: {}, maxReplyBytes: 1024, clientError })
      .pipe(take(3))
      .subscribe();
    expect(pulled).to.deep.equal([0, 1]);
  });
});
