import diagnostics from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { expect } from 'chai';
import { lastValueFrom, tap } from 'rxjs';
import { YqcloudError } from '../../lib/core/error.js';
import { startEmulator, type Emulator } from '../../lib/emulator/index.js';
import { replyChannelNames } from '../../lib/operators/replyChannelNames.js';
import { RelayProvider } from '../../lib/provider/relayProvider.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { collect } from '../support/collect.js';
import { openTelemetry } from '../support/openTelemetry.js';

const messages = [{ role: 'user' as const, content: 'Hello' }];

describe('provider: the telemetry option and the diagnostics channels, against the emulator', () => {
  let emulator: Emulator;
  let otel: ReturnType<typeof openTelemetry>;
  const providers: Array<YqcloudProvider> = [];
  const providerWith = (options: ConstructorParameters<typeof YqcloudProvider>[0]): YqcloudProvider => {
    const provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint, ...options });
    providers.push(provider);
    return provider;
  };

  beforeEach(async () => {
    emulator = await startEmulator({ delayMs: 0 });
    otel = openTelemetry();
  });
  afterEach(async () => {
    for (const provider of providers.splice(0)) provider.destroy();
    await emulator.close();
    await otel.shutdown();
  });

  it('telemetry: a span and the metrics for a finished reply, server.address and port from the endpoint', async () => {
    const provider = providerWith({ telemetry: { tracer: otel.tracer, meter: otel.meter } });
    await lastValueFrom(provider.create({ messages }));
    const [span, ...others] = otel.finishedSpans();
    expect(others).to.have.length(0);
    expect(span?.name).to.equal('chat gpt-4');
    expect(span?.kind).to.equal(SpanKind.CLIENT);
    const port = Number(new URL(emulator.apiEndpoint).port);
    expect(span?.attributes).to.include({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'yqcloud',
      'gen_ai.request.model': 'gpt-4',
      'gen_ai.response.model': 'gpt-4',
      'server.address': '127.0.0.1',
      'server.port': port,
      'yqcloud.reply.outcome': 'finished',
    });
    expect(span?.attributes['yqcloud.reply.chunks']).to.be.above(0);
    expect(span?.attributes).to.not.have.any.keys('gen_ai.conversation.id', 'gen_ai.input.messages');
    const [duration] = await otel.histogram('gen_ai.client.operation.duration');
    expect(duration?.count).to.equal(1);
  });

  it('telemetry: an in-band ban is error.type Blocked with its reason, status ERROR', async () => {
    const provider = providerWith({ telemetry: { tracer: otel.tracer } });
    emulator.injectFault({ kind: 'ban' });
    const { error } = await collect(provider.create({ messages }));
    expect(error).to.be.instanceOf(YqcloudError);
    const [span] = otel.finishedSpans();
    expect(span?.status.code).to.equal(SpanStatusCode.ERROR);
    expect(span?.attributes).to.include({ 'error.type': 'Blocked', 'yqcloud.error.block_reason': 'ip-banned' });
  });

  it('telemetry: a reply stopped by its AbortSignal after its first text is cancelled, not an error', async () => {
    const provider = providerWith({ telemetry: { tracer: otel.tracer } });
    const controller = new AbortController();
    emulator.injectFault({ kind: 'hang', phase: 'mid-body' });
    const { completed } = await collect(
      provider.create({ messages, signal: controller.signal }).pipe(tap(() => controller.abort())),
    );
    expect(completed).to.equal(true);
    const [span] = otel.finishedSpans();
    expect(span?.status.code).to.equal(SpanStatusCode.UNSET);
    expect(span?.attributes).to.include({ 'yqcloud.reply.outcome': 'cancelled', 'yqcloud.reply.chunks': 1 });
  });

  it('refuses a bad telemetry option with InvalidRequest naming it, before any request', async () => {
    const provider = providerWith({ telemetry: { tracer: 'otel' } as never });
    const { error } = await collect(provider.create({ messages }));
    expect(error).to.be.instanceOf(YqcloudError).and.include({ kind: 'InvalidRequest', path: 'telemetry.tracer' });
    expect(emulator.requests).to.have.length(0);
  });

  it('RelayProvider refuses a bad telemetry option the same way, before any request', async () => {
    const relay = new RelayProvider({ url: emulator.url, telemetry: { meter: {} } as never });
    const { error } = await collect(relay.create({ messages }));
    expect(error).to.be.instanceOf(YqcloudError).and.include({ kind: 'InvalidRequest', path: 'telemetry.meter' });
    expect(emulator.requests).to.have.length(0);
  });

  it('diagnostics channels: start, first-chunk and end of every reply, without any telemetry option', async () => {
    const seen: Array<readonly [string, unknown]> = [];
    const listeners = Object.values(replyChannelNames).map((name) => {
      const listener = (message: unknown): void => {
        seen.push([name, message]);
      };
      diagnostics.subscribe(name, listener);
      return () => diagnostics.unsubscribe(name, listener);
    });
    try {
      const provider = providerWith({});
      await lastValueFrom(provider.create({ messages }));
      emulator.injectFault({ kind: 'status', status: 503 });
      await collect(provider.create({ messages }));
    } finally {
      for (const stop of listeners) stop();
    }
    expect(seen.map(([name]) => name)).to.deep.equal([
      'yqcloud-rx:reply:start',
      'yqcloud-rx:reply:first-chunk',
      'yqcloud-rx:reply:end',
      'yqcloud-rx:reply:start',
      'yqcloud-rx:reply:error',
      'yqcloud-rx:reply:end',
    ]);
    const [start, first, end, , error, failedEnd] = seen.map(([, message]) => message as Record<string, unknown>);
    expect(first?.reply).to.equal(start?.reply);
    expect(end?.reply).to.equal(start?.reply);
    expect(start?.reply).to.deep.include({ provider: 'yqcloud', model: 'gpt-4', serverAddress: '127.0.0.1' });
    expect(end).to.include({ outcome: 'finished' });
    expect(end?.chunks).to.be.above(0);
    expect(error?.error).to.be.instanceOf(YqcloudError).and.include({ kind: 'Http', status: 503 });
    expect(failedEnd).to.include({ outcome: 'error', chunks: 0 });
    const idOf = (message: Record<string, unknown> | undefined): unknown =>
      (message?.reply as { id?: number } | undefined)?.id;
    expect(idOf(failedEnd)).to.equal(Number(idOf(start)) + 1);
  });
});
