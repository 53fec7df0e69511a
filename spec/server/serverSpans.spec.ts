import { context, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { expect } from 'chai';
import { lastValueFrom } from 'rxjs';
import { RelayProvider } from '../../lib/provider/relayProvider.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { bearerToken, createOpenAIHandler, createRelayHandler } from '../../lib/server/index.js';
import { openTelemetry, traceContext } from '../support/openTelemetry.js';
import {
  emulatorUpstream,
  listen,
  listenWeb,
  post,
  readEvents,
  relayHeaders,
  stopAll,
  token,
} from './relay.support.js';

const traceId = '0af7651916cd43dd8448eb211c80319c';
const callerSpanId = 'b7ad6b7169203331';
const traceparent = `00-${traceId}-${callerSpanId}-01`;
const messages = [{ role: 'user' as const, content: 'Hello' }];

describe('server: a SERVER span per request, the provider’s chat span its child (real SDK, emulator upstream)', () => {
  let otel: ReturnType<typeof openTelemetry>;
  let stopContext: () => void;
  beforeEach(() => {
    otel = openTelemetry();
    stopContext = traceContext();
  });
  afterEach(async () => {
    await stopAll();
    stopContext();
    await otel.shutdown();
  });

  const upstream = async () => {
    const emulator = await emulatorUpstream();
    const provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint, telemetry: { tracer: otel.tracer } });
    return { emulator, provider };
  };

  for (const web of [false, true])
    it(`relay (${web ? 'Web handler' : 'node:http'}): the caller's traceparent is the parent, never sent to the service`, async () => {
      const { emulator, provider } = await upstream();
      const relay = createRelayHandler({ provider, authorize: bearerToken(token), telemetry: { tracer: otel.tracer } });
      const url = web ? await listenWeb(relay.fetch) : await listen(relay);
      const { events } = await readEvents(await post(`${url}/chat?k=v`, { messages }, relayHeaders({ traceparent })));
      provider.destroy();
      expect(events.at(-1)?.event).to.equal('finish');
      const spans = otel.finishedSpans();
      const server = spans.find((s) => s.kind === SpanKind.SERVER);
      const chat = spans.find((s) => s.name === 'chat gpt-4');
      expect(server?.name).to.equal('POST');
      expect(server?.spanContext().traceId).to.equal(traceId);
      expect(server?.parentSpanContext?.spanId).to.equal(callerSpanId);
      expect(server?.attributes).to.deep.equal({
        'http.request.method': 'POST',
        'url.path': `${new URL(url).pathname}/chat`,
        'yqcloud.route': 'relay',
        'http.response.status_code': 200,
      });
      expect(chat?.parentSpanContext?.spanId).to.equal(server?.spanContext().spanId);
      expect(chat?.attributes['yqcloud.reply.outcome']).to.equal('finished');
      expect(emulator.requests).to.have.length(1);
      expect(Object.keys(emulator.requests[0]?.headers ?? {})).to.not.include.members(['traceparent', 'tracestate']);
    });

  it('a refused request is a span with its status; a 401 is not a server error', async () => {
    const { provider } = await upstream();
    const relay = createRelayHandler({ provider, authorize: bearerToken(token), telemetry: { tracer: otel.tracer } });
    const url = await listen(relay);
    const response = await post(
      url,
      { messages },
      { 'content-type': 'application/json', authorization: 'Bearer nope' },
    );
    await response.text();
    provider.destroy();
    const [server, ...others] = otel.finishedSpans();
    expect(others).to.have.length(0);
    expect(server?.attributes['http.response.status_code']).to.equal(401);
    expect(server?.status.code).to.equal(SpanStatusCode.UNSET);
  });

  it('OpenAI route: POST /v1/chat/completions, the chat span its child; GET /v1/models its own span', async () => {
    const { provider } = await upstream();
    const openai = createOpenAIHandler({ provider, authorize: bearerToken(token), telemetry: { tracer: otel.tracer } });
    const url = new URL(await listen(openai)).origin;
    const completion = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, traceparent },
      body: JSON.stringify({ model: 'gpt-4', messages }),
    });
    expect(completion.status).to.equal(200);
    await completion.json();
    await (await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).json();
    provider.destroy();
    const spans = otel.finishedSpans();
    const names = spans.filter((s) => s.kind === SpanKind.SERVER).map((s) => s.name);
    expect(names).to.deep.equal(['POST /v1/chat/completions', 'GET /v1/models']);
    const server = spans.find((s) => s.name === 'POST /v1/chat/completions');
    expect(server?.parentSpanContext?.spanId).to.equal(callerSpanId);
    expect(server?.attributes).to.include({
      'http.route': '/v1/chat/completions',
      'yqcloud.route': 'openai.chat_completions',
    });
    const chat = spans.find((s) => s.name === 'chat gpt-4');
    expect(chat?.parentSpanContext?.spanId).to.equal(server?.spanContext().spanId);
  });

  it('RelayProvider with the telemetry option: its chat span is the client side of the same trace', async () => {
    const { provider } = await upstream();
    const relay = createRelayHandler({ provider, authorize: bearerToken(token), telemetry: { tracer: otel.tracer } });
    const url = await listen(relay);
    // What a fetch instrumentation does: the active span's context goes out as traceparent.
    const tracedFetch: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
      return fetch(input, { ...init, headers });
    };
    const client = new RelayProvider({
      url,
      headers: { authorization: `Bearer ${token}` },
      fetch: tracedFetch,
      telemetry: { tracer: otel.tracer },
    });
    await lastValueFrom(client.create({ messages }));
    provider.destroy();
    const spans = otel.finishedSpans();
    const chats = spans.filter((s) => s.name === 'chat gpt-4');
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    const clientChat = chats.find((s) => s.parentSpanContext === undefined);
    const serviceChat = chats.find((s) => s.parentSpanContext !== undefined);
    expect(clientChat?.attributes).to.include({ 'server.address': '127.0.0.1', 'yqcloud.reply.outcome': 'finished' });
    expect(server?.parentSpanContext?.spanId).to.equal(clientChat?.spanContext().spanId);
    expect(serviceChat?.parentSpanContext?.spanId).to.equal(server?.spanContext().spanId);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).to.equal(1);
  });
});
