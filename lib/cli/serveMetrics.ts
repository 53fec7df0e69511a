/**
 * `serve --metrics-port`: the figures an operator watches, in the Prometheus text format, on a
 * local port of their own. They come from the diagnostics channels every reply is published on,
 * so each route (relay, OpenAI, UI message stream) counts, and `prom-client` is loaded only when
 * the flag is given.
 *
 * @module
 */
import diagnostics from 'node:diagnostics_channel';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { replyChannelNames, YqcloudError, type ReplyChannelMessages, type ReplyChannelReply } from '../index.js';

/**
 * A running metrics endpoint.
 *
 * @example
 * ```ts no-run
 * const metrics = await startServeMetrics({ port: 9464, host: '127.0.0.1' });
 * console.log(`${metrics.url}/metrics`);
 * await metrics.close();
 * ```
 */
export interface ServeMetrics {
  /** `http://host:port`; the figures are at `/metrics`. */
  readonly url: string;
  /** Stops counting and listening. */
  readonly close: () => Promise<void>;
}

/**
 * Where the metrics endpoint listens.
 */
export interface ServeMetricsOptions {
  readonly port: number;
  readonly host: string;
}

/** The time-to-first-chunk buckets of OpenTelemetry's GenAI conventions, in seconds. */
const firstChunkBuckets = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.75,
  1, 2, 5,
];
const durationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

/**
 * Starts the metrics endpoint: `GET /metrics` answers the registry's figures; any other path is
 * 404, any other method 405, and no request body is read. Metrics (all prefixed `yqcloud_rx_`):
 * `streams_open` (gauge), `replies_total{outcome, error_type}` (counter),
 * `first_chunk_seconds` and `reply_duration_seconds` (histograms), and Node's process metrics.
 */
export const startServeMetrics = async ({ port, host }: ServeMetricsOptions): Promise<ServeMetrics> => {
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry, prefix: 'yqcloud_rx_' });
  const open = new prom.Gauge({
    name: 'yqcloud_rx_streams_open',
    help: 'Replies streaming now (one per open client stream).',
    registers: [registry],
  });
  const replies = new prom.Counter({
    name: 'yqcloud_rx_replies_total',
    help: 'Replies ended, by outcome (finished, error, cancelled) and error kind.',
    labelNames: ['outcome', 'error_type'] as const,
    registers: [registry],
  });
  const firstChunk = new prom.Histogram({
    name: 'yqcloud_rx_first_chunk_seconds',
    help: 'Time from the request to the service to the first chunk of its reply.',
    buckets: firstChunkBuckets,
    registers: [registry],
  });
  const duration = new prom.Histogram({
    name: 'yqcloud_rx_reply_duration_seconds',
    help: 'Time from the request to the service to the end of its reply.',
    labelNames: ['outcome'] as const,
    buckets: durationBuckets,
    registers: [registry],
  });
  const failures = new WeakMap<ReplyChannelReply, string>();

  const onStart = (): void => {
    open.inc();
  };
  const onFirstChunk = (message: unknown): void => {
    firstChunk.observe((message as ReplyChannelMessages['firstChunk']).timeToFirstChunkMs / 1000);
  };
  const onError = (message: unknown): void => {
    const { reply, error } = message as ReplyChannelMessages['error'];
    failures.set(reply, error instanceof YqcloudError ? error.kind : '_OTHER');
  };
  const onEnd = (message: unknown): void => {
    const { reply, outcome, durationMs } = message as ReplyChannelMessages['end'];
    open.dec();
    replies.inc({ outcome, error_type: failures.get(reply) ?? '' });
    duration.observe({ outcome }, durationMs / 1000);
  };
  const subscriptions = [
    [replyChannelNames.start, onStart],
    [replyChannelNames.firstChunk, onFirstChunk],
    [replyChannelNames.error, onError],
    [replyChannelNames.end, onEnd],
  ] as const;
  for (const [name, listener] of subscriptions) diagnostics.subscribe(name, listener);

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
        .end('method not allowed\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
      },
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.maxConnections = 32;
  server.maxHeadersCount = 50;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const [name, listener] of subscriptions) diagnostics.unsubscribe(name, listener);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
