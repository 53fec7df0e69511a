import diagnostics from 'node:diagnostics_channel';
import { expect } from 'chai';
import { firstValueFrom, Subject, type Subscription } from 'rxjs';
import { startServe } from '../../lib/cli/serve.js';
import { startServeMetrics, type ServeMetrics } from '../../lib/cli/serveMetrics.js';
import { startEmulator, type Emulator } from '../../lib/emulator/index.js';
import { replyChannelNames } from '../../lib/operators/replyChannelNames.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { collect } from '../support/collect.js';

const messages = [{ role: 'user' as const, content: 'Hello' }];

/** The value of one sample line (`name{labels} value`) of the Prometheus text. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('cli/serveMetrics: the Prometheus endpoint, fed by the diagnostics channels', () => {
  let emulator: Emulator;
  let metrics: ServeMetrics;
  let provider: YqcloudProvider;
  beforeEach(async () => {
    // Paced: a reply streams for about 2 s, so streams stay open while the spec reads the figures.
    emulator = await startEmulator({ pieceChars: 2, delayMs: 40 });
    metrics = await startServeMetrics({ port: 0, host: '127.0.0.1' });
    provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint });
  });
  afterEach(async () => {
    provider.destroy();
    await metrics.close();
    await emulator.close();
  });

  const scrape = async (): Promise<string> => {
    const response = await fetch(`${metrics.url}/metrics`);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  it('counts the streams open while they stream, their first-chunk latency, and how they ended', async () => {
    const firstChunks = new Subject<void>();
    const open: Array<Subscription> = [];
    for (let i = 0; i < 2; i++)
      open.push(provider.create({ messages }).subscribe({ next: () => firstChunks.next(), error: () => undefined }));
    await firstValueFrom(firstChunks);
    await firstValueFrom(firstChunks);
    const during = await scrape();
    expect(sample(during, 'yqcloud_rx_streams_open')).to.equal(2);
    expect(sample(during, 'yqcloud_rx_first_chunk_seconds_count')).to.equal(2);
    expect(sample(during, 'yqcloud_rx_first_chunk_seconds_bucket{le="+Inf"}')).to.equal(2);

    for (const subscription of open) subscription.unsubscribe();
    emulator.injectFault({ kind: 'status', status: 503 });
    await collect(provider.create({ messages }));
    const after = await scrape();
    expect(sample(after, 'yqcloud_rx_streams_open')).to.equal(0);
    expect(sample(after, 'yqcloud_rx_replies_total{outcome="cancelled",error_type=""}')).to.equal(2);
    expect(sample(after, 'yqcloud_rx_replies_total{outcome="error",error_type="Http"}')).to.equal(1);
    expect(sample(after, 'yqcloud_rx_reply_duration_seconds_count{outcome="cancelled"}')).to.equal(2);
    expect(after).to.match(/^yqcloud_rx_process_cpu_seconds_total /m);
  });

  it('serve --upstream-timeout: a reply the server cuts off counts as an error of kind Timeout, on the channels too', async () => {
    await metrics.close(); // serve's own endpoint is the one read here
    const published: Array<unknown> = [];
    const onError = (message: unknown): void => {
      published.push((message as { error: unknown }).error);
    };
    diagnostics.subscribe(replyChannelNames.error, onError);
    const served = await startServe(
      {
        port: 0,
        host: '127.0.0.1',
        cors: [],
        auth: false,
        endpoint: emulator.apiEndpoint,
        metricsPort: 0,
        upstreamTimeout: 300,
      },
      () => true,
      () => undefined,
    );
    try {
      emulator.injectFault({ kind: 'hang', phase: 'mid-body' });
      const response = await fetch(`${served.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4', messages, stream: true }),
      });
      await response.text();
      let after = '';
      for (let i = 0; i < 50 && sample(after, 'yqcloud_rx_streams_open') !== 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        after = await (await fetch(`${served.metricsUrl ?? ''}/metrics`)).text();
      }
      expect(sample(after, 'yqcloud_rx_streams_open')).to.equal(0);
      // Before: {outcome="cancelled",error_type=""} 1, and nothing on the error channel.
      expect(sample(after, 'yqcloud_rx_replies_total{outcome="error",error_type="Timeout"}')).to.equal(1);
      expect(sample(after, 'yqcloud_rx_replies_total{outcome="cancelled",error_type=""}')).to.equal(undefined);
      expect(sample(after, 'yqcloud_rx_reply_duration_seconds_count{outcome="error"}')).to.equal(1);
      expect(published.map((e) => (e as { kind?: string }).kind)).to.deep.equal(['Timeout']);
    } finally {
      diagnostics.unsubscribe(replyChannelNames.error, onError);
      await served.close();
      metrics = await startServeMetrics({ port: 0, host: '127.0.0.1' });
    }
  });

  it('answers /metrics only, to GET and HEAD, and reads no body', async () => {
    expect((await fetch(`${metrics.url}/`)).status).to.equal(404);
    expect((await fetch(`${metrics.url}/metrics`, { method: 'POST', body: 'x'.repeat(10_000) })).status).to.equal(405);
    const head = await fetch(`${metrics.url}/metrics`, { method: 'HEAD' });
    expect(head.status).to.equal(200);
    expect(await head.text()).to.equal('');
  });

  it('leaves no channel subscriber behind once closed', async () => {
    expect(diagnostics.hasSubscribers(replyChannelNames.start)).to.equal(true);
    await metrics.close();
    for (const name of Object.values(replyChannelNames)) expect(diagnostics.hasSubscribers(name), name).to.equal(false);
    metrics = await startServeMetrics({ port: 0, host: '127.0.0.1' });
  });

  it('serve --metrics-port: the figures of the relay and OpenAI streams, read while they are open', async () => {
    await metrics.close(); // serve's own endpoint is the one read here
    const served = await startServe(
      { port: 0, host: '127.0.0.1', cors: [], auth: false, endpoint: emulator.apiEndpoint, metricsPort: 0 },
      () => true,
      () => undefined,
    );
    try {
      const metricsUrl = served.metricsUrl ?? '';
      expect(metricsUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const controller = new AbortController();
      const relay = await fetch(`${served.url}/relay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ messages }),
        signal: controller.signal,
      });
      const openai = await fetch(`${served.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4', messages, stream: true }),
        signal: controller.signal,
      });
      // Both streams have begun (their first bytes are here) and are still open.
      for (const response of [relay, openai]) await response.body?.getReader().read();
      const during = await (await fetch(`${metricsUrl}/metrics`)).text();
      expect(sample(during, 'yqcloud_rx_streams_open')).to.equal(2);
      expect(sample(during, 'yqcloud_rx_first_chunk_seconds_count')).to.equal(2);
      controller.abort();
      // serve keeps relay replies: a dropped connection does not end one, a stop does.
      const stop = await fetch(`${served.url}/relay?reply=${relay.headers.get('x-reply-id') ?? ''}`, {
        method: 'DELETE',
      });
      expect(stop.status).to.equal(202);
      let after = '';
      for (let i = 0; i < 50 && sample(after, 'yqcloud_rx_streams_open') !== 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        after = await (await fetch(`${metricsUrl}/metrics`)).text();
      }
      expect(sample(after, 'yqcloud_rx_streams_open')).to.equal(0);
      expect(sample(after, 'yqcloud_rx_replies_total{outcome="cancelled",error_type=""}')).to.equal(2);
    } finally {
      await served.close();
      metrics = await startServeMetrics({ port: 0, host: '127.0.0.1' });
    }
  });
});
