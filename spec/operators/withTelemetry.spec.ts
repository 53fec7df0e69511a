import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { expect } from 'chai';
import { Observable, of, take } from 'rxjs';
import { conversation, finish, text, type Chunk } from '../../lib/core/chunk.js';
import { httpError, timeoutError, withPartialText, YqcloudError } from '../../lib/core/error.js';
import { withTelemetry } from '../../lib/operators/withTelemetry.js';
import { withTimeouts } from '../../lib/operators/withTimeouts.js';
import { testScheduler } from '../support/marbles.js';
import { asyncContext, openTelemetry } from '../support/openTelemetry.js';

const values = { a: text('Hel'), b: text('lo 👋'), F: finish };
const messages = [
  { role: 'system' as const, content: 'Be brief' },
  { role: 'user' as const, content: 'Hello' },
];

describe('operators/withTelemetry (the real OpenTelemetry SDK, in-memory exporters)', () => {
  let otel: ReturnType<typeof openTelemetry>;
  beforeEach(() => {
    otel = openTelemetry();
  });
  afterEach(async () => {
    await otel.shutdown();
  });

  it('a finished reply: one CLIENT span after the GenAI conventions, its timings from the scheduler', async () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('--a-b-F|', values);
      expectObservable(
        source.pipe(withTelemetry({ tracer: otel.tracer, meter: otel.meter, request: { messages }, scheduler })),
      ).toBe('--a-b-F|', values);
    });
    const [span, ...others] = otel.finishedSpans();
    expect(others).to.have.length(0);
    expect(span?.name).to.equal('chat gpt-4');
    expect(span?.kind).to.equal(SpanKind.CLIENT);
    expect(span?.status.code).to.equal(SpanStatusCode.UNSET);
    expect(span?.attributes).to.deep.equal({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'yqcloud',
      'gen_ai.system': 'yqcloud',
      'gen_ai.request.model': 'gpt-4',
      'gen_ai.output.type': 'text',
      'gen_ai.response.model': 'gpt-4',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.response.time_to_first_chunk': 0.002,
      'yqcloud.reply.outcome': 'finished',
      'yqcloud.reply.chunks': 2,
      'yqcloud.reply.characters': 7,
    });
    expect(span?.events).to.have.length(0);
  });

  it('records the duration and time-to-first-chunk histograms in seconds, with the conventions’ buckets', async () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('---a-b-F|', values).pipe(withTelemetry({ meter: otel.meter }))).toBe('---a-b-F|', values);
    });
    const [duration] = await otel.histogram('gen_ai.client.operation.duration');
    const [firstChunk] = await otel.histogram('gen_ai.client.operation.time_to_first_chunk');
    const attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'yqcloud',
      'gen_ai.request.model': 'gpt-4',
      'gen_ai.response.model': 'gpt-4',
      'yqcloud.reply.outcome': 'finished',
    };
    expect(duration).to.deep.include({ attributes, count: 1, sum: 0.008 });
    expect(duration?.boundaries).to.deep.equal([
      0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
    ]);
    expect(firstChunk).to.deep.include({ attributes, count: 1, sum: 0.003 });
    expect(firstChunk?.boundaries[0]).to.equal(0.001);
  });

  it('an errored reply: status ERROR, error.type the error’s kind, an exception event, the kind on the metrics', async () => {
    const failure = withPartialText('Hel')(httpError(503, 'busy'));
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(
        cold('-a--#', values, failure).pipe(withTelemetry({ tracer: otel.tracer, meter: otel.meter })),
      ).toBe('-a--#', values, failure);
    });
    const [span] = otel.finishedSpans();
    expect(span?.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: failure.message });
    expect(span?.attributes).to.include({
      'error.type': 'Http',
      'http.response.status_code': 503,
      'yqcloud.reply.outcome': 'error',
      'yqcloud.reply.chunks': 1,
      'gen_ai.response.time_to_first_chunk': 0.001,
    });
    expect(span?.attributes).to.not.have.any.keys('gen_ai.response.model', 'gen_ai.response.finish_reasons');
    expect(span?.events.map((e) => [e.name, e.attributes?.['exception.type']])).to.deep.equal([
      ['exception', 'YqcloudError'],
    ]);
    const [duration] = await otel.histogram('gen_ai.client.operation.duration');
    expect(duration?.attributes).to.include({ 'error.type': 'Http', 'yqcloud.reply.outcome': 'error' });
    expect(duration?.sum).to.equal(0.004);
  });

  it('names a Timeout’s phase, and a foreign error as _OTHER', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const operator = withTelemetry({ tracer: otel.tracer });
      expectObservable(cold<Chunk>('--#', undefined, timeoutError('first-chunk', 2)).pipe(operator)).toBe(
        '--#',
        undefined,
        timeoutError('first-chunk', 2),
      );
      expectObservable(cold<Chunk>('-#', undefined, new TypeError('bad')).pipe(operator)).toBe(
        '-#',
        undefined,
        new TypeError('bad'),
      );
    });
    // The foreign error ends first (frame 1), the Timeout second (frame 2).
    const attributes = otel.finishedSpans().map((span) => span.attributes);
    expect(attributes[1]).to.include({ 'error.type': 'Timeout', 'yqcloud.error.timeout_phase': 'first-chunk' });
    expect(attributes[1]).to.not.have.any.keys('gen_ai.response.time_to_first_chunk');
    expect(attributes[0]).to.include({ 'error.type': '_OTHER' });
  });

  it('a cancelled reply: outcome cancelled, status unset, no error.type; the span ends when the subscriber leaves', async () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a---b-F|', values);
      expectObservable(source.pipe(withTelemetry({ tracer: otel.tracer, meter: otel.meter })), '^--!').toBe(
        '-a-',
        values,
      );
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
    const [span] = otel.finishedSpans();
    expect(span?.status.code).to.equal(SpanStatusCode.UNSET);
    expect(span?.attributes).to.include({ 'yqcloud.reply.outcome': 'cancelled', 'yqcloud.reply.chunks': 1 });
    expect(span?.attributes).to.not.have.any.keys('error.type', 'gen_ai.response.finish_reasons');
    const [duration] = await otel.histogram('gen_ai.client.operation.duration');
    expect(duration).to.deep.include({ count: 1, sum: 0.003 });
    expect(duration?.attributes).to.include({ 'yqcloud.reply.outcome': 'cancelled' });
  });

  it('a reply cut off by withTimeouts downstream: outcome error, error.type Timeout with its phase, not cancelled', async () => {
    const scheduler = testScheduler();
    const expected = withPartialText('Hel')(timeoutError('idle', 3));
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-------F|', values);
      expectObservable(
        source.pipe(
          withTelemetry({ tracer: otel.tracer, meter: otel.meter, scheduler }),
          withTimeouts({ idleMs: 3, scheduler }),
        ),
      ).toBe('-a--#', values, expected);
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
    const [span] = otel.finishedSpans();
    expect(span?.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: expected.message });
    expect(span?.attributes).to.include({
      'error.type': 'Timeout',
      'yqcloud.error.timeout_phase': 'idle',
      'yqcloud.reply.outcome': 'error',
    });
    const [duration] = await otel.histogram('gen_ai.client.operation.duration');
    expect(duration?.attributes).to.include({ 'error.type': 'Timeout', 'yqcloud.reply.outcome': 'error' });
  });

  it('a reply that completes without finish (an aborted signal) is cancelled, not finished', () => {
    of(text('a'))
      .pipe(withTelemetry({ tracer: otel.tracer }))
      .subscribe();
    expect(otel.finishedSpans()[0]?.attributes).to.include({ 'yqcloud.reply.outcome': 'cancelled' });
  });

  it('one operator, replies subscribed at once: a span each, with its own counts', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const operator = withTelemetry({ tracer: otel.tracer });
      const one = cold('-a---F|', values).pipe(operator);
      const two = cold('--a-b-a-F|', values).pipe(operator);
      expectObservable(one).toBe('-a---F|', values);
      expectObservable(two).toBe('--a-b-a-F|', values);
    });
    const chunks = otel
      .finishedSpans()
      .map((span) => [span.attributes['yqcloud.reply.chunks'], span.attributes['gen_ai.response.time_to_first_chunk']]);
    expect(chunks).to.deep.equal([
      [1, 0.001],
      [3, 0.002],
    ]);
  });

  it('should stop listening to a synchronous observable when unsubscribed', () => {
    const sideEffects: Array<number> = [];
    const synchronous = new Observable<Chunk>((subscriber) => {
      for (let i = 0; !subscriber.closed && i < 10; i++) {
        sideEffects.push(i);
        subscriber.next(text(String(i)));
      }
    });
    synchronous.pipe(withTelemetry({ tracer: otel.tracer }), take(3)).subscribe();
    expect(sideEffects).to.deep.equal([0, 1, 2]);
    expect(otel.finishedSpans().map((span) => span.attributes['yqcloud.reply.chunks'])).to.deep.equal([3]);
  });

  it('records neither prompt, reply nor conversation id unless asked; with recordContent and recordConversationId, both', () => {
    const known = {
      model: 'gpt-4',
      userId: '#/chat/1700000000000',
      messageHistory: [{ role: 'user' as const, content: 'Hello' }],
    };
    const request = { messages: [{ role: 'user' as const, content: 'And now?' }], conversation: known };
    const reply = of(text('Sure'), finish);
    reply.pipe(withTelemetry({ tracer: otel.tracer, request })).subscribe();
    reply
      .pipe(withTelemetry({ tracer: otel.tracer, request, recordContent: true, recordConversationId: true }))
      .subscribe();
    const [quiet, recorded] = otel.finishedSpans();
    expect(quiet?.attributes).to.not.have.any.keys(
      'gen_ai.input.messages',
      'gen_ai.output.messages',
      'gen_ai.system_instructions',
      'gen_ai.conversation.id',
    );
    expect(recorded?.attributes['gen_ai.conversation.id']).to.equal('#/chat/1700000000000');
    expect(JSON.parse(String(recorded?.attributes['gen_ai.input.messages']))).to.deep.equal([
      { role: 'user', parts: [{ type: 'text', content: 'Hello' }] },
      { role: 'user', parts: [{ type: 'text', content: 'And now?' }] },
    ]);
    expect(JSON.parse(String(recorded?.attributes['gen_ai.output.messages']))).to.deep.equal([
      { role: 'assistant', parts: [{ type: 'text', content: 'Sure' }], finish_reason: 'stop' },
    ]);
  });

  it('takes the conversation id of a new conversation from its conversation chunk (opt-in), and the system message apart', () => {
    const made = { model: 'gpt-4', userId: '#/chat/42', messageHistory: [] };
    of(text('Hi'), conversation(made), finish)
      .pipe(
        withTelemetry({ tracer: otel.tracer, request: { messages }, recordContent: true, recordConversationId: true }),
      )
      .subscribe();
    const attributes = otel.finishedSpans()[0]?.attributes ?? {};
    expect(attributes['gen_ai.conversation.id']).to.equal('#/chat/42');
    expect(JSON.parse(String(attributes['gen_ai.system_instructions']))).to.deep.equal([
      { type: 'text', content: 'Be brief' },
    ]);
  });

  it('sets server.address and server.port from the request’s endpoint, never its credentials or path', () => {
    of(finish)
      .pipe(
        withTelemetry({
          tracer: otel.tracer,
          request: { endpoint: 'https://user:secret@[::1]/api/generateStream?k=v' },
        }),
      )
      .subscribe();
    const attributes = otel.finishedSpans()[0]?.attributes ?? {};
    expect(attributes).to.include({ 'server.address': '::1', 'server.port': 443 });
    expect(JSON.stringify(attributes)).to.not.match(/secret|user|generateStream/);
  });

  it('makes its span the active one while the reply is subscribed, so the request’s own spans are its children', () => {
    const stop = asyncContext();
    try {
      const source = new Observable<Chunk>((subscriber) => {
        otel.tracer.startSpan('POST').end();
        subscriber.next(finish);
        subscriber.complete();
      });
      source.pipe(withTelemetry({ tracer: otel.tracer })).subscribe();
      const [child, parent] = otel.finishedSpans();
      expect(child?.name).to.equal('POST');
      expect(child?.parentSpanContext?.spanId).to.equal(parent?.spanContext().spanId);
    } finally {
      stop();
    }
  });

  it('passes chunks through and records nothing without a tracer or meter', () => {
    const seen: Array<Chunk> = [];
    of(text('a'), finish)
      .pipe(withTelemetry())
      .subscribe((chunk) => seen.push(chunk));
    expect(seen).to.deep.equal([text('a'), finish]);
  });

  it('throws a bad option as an InvalidRequest naming it when the operator is made, as every operator does', () => {
    const failures: Array<unknown> = [];
    for (const options of [
      { tracer: {} },
      { meter: 1 },
      { recordContent: 'yes' },
      { request: { model: 3 } },
      { trace: 1 },
    ])
      try {
        withTelemetry(options as never);
      } catch (e) {
        failures.push(e);
      }
    expect(failures.map((e) => (e instanceof YqcloudError ? [e.kind, e.path] : e))).to.deep.equal([
      ['InvalidRequest', 'withTelemetry.tracer'],
      ['InvalidRequest', 'withTelemetry.meter'],
      ['InvalidRequest', 'withTelemetry.recordContent'],
      ['InvalidRequest', 'withTelemetry.request'],
      ['InvalidRequest', 'withTelemetry.trace'],
    ]);
  });
});
