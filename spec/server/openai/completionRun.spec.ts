import { expect } from 'chai';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { finish, text, type Chunk } from '../../../lib/index.js';
import { httpError, networkError } from '../../../lib/core/error.js';
import { runCompletion, type CompletionSink } from '../../../lib/server/openai/completionRun.js';

const meta = { id: 'chatcmpl-1', created: 1, model: 'gpt-4' };

interface Recorded {
  readonly sink: CompletionSink;
  readonly starts: Array<{ status: number; headers: Readonly<Record<string, string>>; body: string | undefined }>;
  readonly writes: Array<string>;
  readonly ends: Array<string>;
}

const recorder = (): Recorded => {
  const starts: Recorded['starts'] = [];
  const writes: Array<string> = [];
  const ends: Array<string> = [];
  return {
    starts,
    writes,
    ends,
    sink: {
      start: (status, headers, body) => void starts.push({ status, headers, body }),
      write: (piece) => void writes.push(piece),
      end: (piece) => void ends.push(piece),
    },
  };
};

const data = (event: string): unknown => JSON.parse(event.replace(/^data: /, ''));

describe('runCompletion', () => {
  it('sends nothing before the first text, so a failure before text is a real status', () => {
    const chunks = new Subject<Chunk>();
    const out = recorder();
    let ended = 0;
    runCompletion(chunks, out.sink, { stream: true, meta, onEnd: () => ended++ });
    expect(out.starts).to.deep.equal([]);
    chunks.error(httpError(429, 'slow down', 4000));
    expect(out.starts).to.have.length(1);
    expect(out.starts[0]).to.deep.include({ status: 429 });
    expect(out.starts[0]?.headers).to.include({ 'retry-after': '4', 'x-should-retry': 'true' });
    expect(JSON.parse(out.starts[0]?.body ?? '')).to.have.nested.property('error.code', 'upstream_rate_limited');
    expect(ended).to.equal(1);
  });

  it('after text, a failure is one error event and the stream ends without [DONE]', () => {
    const chunks = new Subject<Chunk>();
    const out = recorder();
    runCompletion(chunks, out.sink, { stream: true, meta });
    chunks.next(text('Hel'));
    chunks.next(text('lo'));
    chunks.error(networkError('ECONNRESET', 'socket hang up'));
    expect(out.starts.map((s) => s.status)).to.deep.equal([200]);
    expect(out.writes.map(data)).to.have.length(2);
    expect(out.ends).to.have.length(1);
    expect(out.ends[0]).to.not.include('[DONE]');
    expect(data(out.ends[0] ?? '')).to.have.nested.property('error.code', 'upstream_network');
  });

  it('a source that completes without finish is a failure, not a finished reply', () => {
    const chunks = new Subject<Chunk>();
    const out = recorder();
    runCompletion(chunks, out.sink, { stream: false, meta });
    chunks.next(text('Hel'));
    chunks.complete();
    expect(out.starts[0]).to.include({ status: 502 });
  });

  it('a finished reply with no text still streams a role chunk, then stop and [DONE]', () => {
    const chunks = new Subject<Chunk>();
    const out = recorder();
    runCompletion(chunks, out.sink, { stream: true, meta });
    chunks.next(finish);
    chunks.complete();
    expect(out.starts.map((s) => s.status)).to.deep.equal([200]);
    expect(data(out.writes[0] ?? '')).to.have.nested.property('choices[0].delta.role', 'assistant');
    expect(out.ends[0]).to.match(/"finish_reason":"stop".*\n\ndata: \[DONE\]\n\n$/s);
  });

  it('writes a keep-alive comment after keepAliveMs of silence, and none after the end', () => {
    const scheduler = new VirtualTimeScheduler();
    const chunks = new Subject<Chunk>();
    const out = recorder();
    runCompletion(chunks, out.sink, { stream: true, meta, keepAliveMs: 100, scheduler });
    chunks.next(text('Hi'));
    scheduler.maxFrames = 250;
    scheduler.flush();
    expect(out.writes.filter((w) => w === ': keep-alive\n\n')).to.have.length(2);
    chunks.next(finish);
    chunks.complete();
    scheduler.maxFrames = 1000;
    scheduler.flush();
    expect(out.writes.filter((w) => w === ': keep-alive\n\n')).to.have.length(2);
    expect(out.ends).to.have.length(1);
  });

  it('unsubscribing (the client left) unsubscribes the source and calls onEnd once', () => {
    const chunks = new Subject<Chunk>();
    let ended = 0;
    const run = runCompletion(chunks, recorder().sink, { stream: true, meta, onEnd: () => ended++ });
    chunks.next(text('Hi'));
    run.unsubscribe();
    run.unsubscribe();
    expect(chunks.observed).to.equal(false);
    expect(ended).to.equal(1);
  });
});
