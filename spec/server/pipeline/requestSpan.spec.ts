import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { expect } from 'chai';
import { inRequestSpan } from '../../../lib/server/pipeline/requestSpan.js';
import { openTelemetry, traceContext } from '../../support/openTelemetry.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpanId = '00f067aa0ba902b7';
const traceparent = `00-${traceId}-${callerSpanId}-01`;
const relay = { name: 'relay' };

describe('server/pipeline/requestSpan (the real OpenTelemetry SDK)', () => {
  let otel: ReturnType<typeof openTelemetry>;
  let stopContext: () => void;
  beforeEach(() => {
    otel = openTelemetry();
    stopContext = traceContext();
  });
  afterEach(async () => {
    stopContext();
    await otel.shutdown();
  });

  it('a SERVER span, child of the incoming traceparent, active for what the request does after awaits', async () => {
    const view = { method: 'POST', url: '/relay?token=secret', headers: new Headers({ traceparent }) };
    await inRequestSpan(otel.tracer, view, relay, async (span) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      otel.tracer.startSpan('chat gpt-4').end();
      span.status(200);
      span.end();
    });
    const [chat, server] = otel.finishedSpans();
    expect(server?.name).to.equal('POST');
    expect(server?.kind).to.equal(SpanKind.SERVER);
    expect(server?.spanContext().traceId).to.equal(traceId);
    expect(server?.parentSpanContext?.spanId).to.equal(callerSpanId);
    expect(chat?.parentSpanContext?.spanId).to.equal(server?.spanContext().spanId);
    expect(server?.attributes).to.deep.equal({
      'http.request.method': 'POST',
      'url.path': '/relay',
      'yqcloud.route': 'relay',
      'http.response.status_code': 200,
    });
    expect(server?.status.code).to.equal(SpanStatusCode.UNSET);
  });

  it('a root span without a traceparent; a 5xx answer is an error, a 4xx is not', async () => {
    for (const code of [429, 503])
      await inRequestSpan(
        otel.tracer,
        { method: 'POST', url: 'http://h/v1/chat/completions', headers: new Headers() },
        { name: 'openai', route: '/v1/chat/completions' },
        async (span) => {
          span.status(code);
          span.end();
          span.end();
        },
      );
    const [refused, failed] = otel.finishedSpans();
    expect(refused?.parentSpanContext).to.equal(undefined);
    expect(refused?.status.code).to.equal(SpanStatusCode.UNSET);
    expect(refused?.attributes).to.not.have.property('error.type');
    expect(failed?.status.code).to.equal(SpanStatusCode.ERROR);
    expect(failed?.name).to.equal('POST /v1/chat/completions');
    expect(failed?.attributes).to.include({
      'error.type': '503',
      'url.path': '/v1/chat/completions',
      'http.route': '/v1/chat/completions',
    });
  });

  it('without a tracer, the request is handled and nothing is recorded', async () => {
    const answer = await inRequestSpan(
      undefined,
      { method: 'GET', url: '/', headers: new Headers({ traceparent }) },
      relay,
      async (span) => {
        span.status(200);
        span.end();
        return 'answered';
      },
    );
    expect(answer).to.equal('answered');
    expect(otel.finishedSpans()).to.have.length(0);
  });
});
