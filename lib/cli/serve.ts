/**
 * `yqcloud-rx serve`: the relay (`POST /relay`), the OpenAI-compatible endpoint
 * (`POST /v1/chat/completions`, `GET /v1/models`, `GET /v1/models/{id}`) and the AI SDK's UI
 * message stream (`POST /api/chat`) on one `node:http` server, in front of the service, another
 * endpoint, or the embedded emulator (`--emulator`).
 *
 * Never an open door: a bearer token is required (`--token`, or `YQCLOUD_RX_TOKEN`, which
 * keeps it out of the process list); `--no-auth` turns authorisation off, and only on a
 * loopback host. The routes share one store, so a client has one budget of `--max-streams`
 * replies in progress across them (a `stream: false` request counts: it holds a stream from the
 * service as long). The service must start a reply, and keep it going, within
 * `--upstream-timeout`. One access-log line per request goes to stdout (`--no-access-log`).
 * Slow clients are cut off: headers must arrive within `--headers-timeout`, the whole request
 * within `--request-timeout`, a body within `--body-timeout`; an idle kept-alive connection
 * closes after `--keep-alive-timeout`. Ctrl-C (SIGINT) or SIGTERM closes every request in
 * flight, and so every request to the service, then exits 0.
 *
 * @module
 */
import * as http from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { nodeTransport, YqcloudProvider } from '../index.js';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { redactUrl } from '../internal.js';
import {
  bearerToken,
  createMemoryReplyStore,
  createRedisStore,
  type ReplyStore,
  createOpenAIHandler,
  createRelayHandler,
  createUIMessageStreamHandler,
  accessLogLine,
  type AccessLogEntry,
  type Authorize,
  type ServerLogger,
} from '../server/index.js';
import { printableRedisUrl } from '../server/store/redisConnection.js';
import { modelCatalogue } from '../server/routes/openai/modelAliases.js';
import { yqcloudModels } from '../internal.js';
import * as E from '#fp-ts/Either.js';
import { exitCodes } from './exitCodes.js';
import { startServeMetrics, type ServeMetrics } from './serveMetrics.js';

/**
 * What `serve` was given on its command line.
 */
export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly token?: string | undefined;
  readonly cors: ReadonlyArray<string>;
  /** `false` with `--no-auth` (loopback hosts only). */
  readonly auth: boolean;
  readonly emulator?: boolean | undefined;
  readonly endpoint?: string | undefined;
  /** Milliseconds a client may take to send its headers (default 10 000). */
  readonly headersTimeout?: number | undefined;
  /** Milliseconds a client may take to send its whole request (default 30 000). */
  readonly requestTimeout?: number | undefined;
  /** Milliseconds a request body may take to arrive, in the handlers (default 20 000). */
  readonly bodyTimeout?: number | undefined;
  /** Milliseconds an idle kept-alive connection stays open (default 5 000). */
  readonly keepAliveTimeout?: number | undefined;
  /** A Redis URL: the store of a cluster (default: this process's memory). */
  readonly redis?: string | undefined;
  /** With `redis`: refuse (503) what needs Redis while it is away, instead of counting per instance. */
  readonly redisRequired?: boolean | undefined;
  /** Streams one client may have open at once (default 4). */
  readonly maxStreams?: number | undefined;
  /** Requests one client may send per minute (default: no limit). */
  readonly maxRequestsPerMinute?: number | undefined;
  /** Milliseconds a reply's producer may go unheard before its readers end the reply (default 10 000). */
  readonly replyProducerTtl?: number | undefined;
  /** Serve the Prometheus metrics at `GET /metrics` on this port of 127.0.0.1 (0: any free port). */
  readonly metricsPort?: number | undefined;
  /** Milliseconds the service may take to start a reply, and stay silent within one (default 60 000). */
  readonly upstreamTimeout?: number | undefined;
  /** `--model-alias alias=model`, each parsed. */
  readonly modelAlias?: ReadonlyArray<readonly [string, string]> | undefined;
  /** `false` with `--no-access-log`. */
  readonly accessLog?: boolean | undefined;
}

/**
 * The OpenAI route's aliases of `--model-alias`, or the sentence saying why `serve` refuses them.
 */
export const modelAliasesOf = (
  pairs: ReadonlyArray<readonly [string, string]>,
): Readonly<Record<string, string>> | string => {
  const aliases: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [alias, model] of pairs) aliases[alias] = model;
  const checked = modelCatalogue(yqcloudModels, aliases);
  return E.isLeft(checked) ? `--model-alias: ${checked.left.message.replace(/^modelAliases\./, '')}` : aliases;
};

/**
 * A running `serve`: where it listens, and how to stop it.
 */
export interface Served {
  /** `http://host:port`. */
  readonly url: string;
  /** `http://127.0.0.1:port` of the metrics endpoint, with `metricsPort`. */
  readonly metricsUrl?: string | undefined;
  /** Ends every request in flight, stops listening, stops the emulator; resolves when all is closed. */
  readonly close: () => Promise<void>;
}

/**
 * Whether a host only listens on this machine: `localhost`, or an address (parsed as one, with
 * `net.isIP`) in 127.0.0.0/8, `::1` or an IPv4-mapped `::ffff:127.x.y.z`. A name that merely
 * starts like one (`127.0.0.1.attacker.example`) is not.
 *
 * @example
 * ```ts
 * isLoopbackHost('127.0.0.1'); // true
 * isLoopbackHost('0.0.0.0');   // false
 * isLoopbackHost('127.0.0.1.attacker.example'); // false
 * ```
 */
export const isLoopbackHost = (host: string): boolean => {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  const version = isIP(bare);
  if (version === 4) return bare.split('.')[0] === '127';
  if (version !== 6) return false;
  const lower = bare.toLowerCase();
  if (/^(?:0{0,4}:){7}0{0,3}1$/.test(lower) || lower === '::1') return true;
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)?.[1];
  return mapped !== undefined && isIP(mapped) === 4 && mapped.split('.')[0] === '127';
};

/**
 * How requests are authorised, or the sentence saying why `serve` refuses to start.
 */
export const authorizationOf = (
  options: Pick<ServeOptions, 'host' | 'auth' | 'token'>,
  env: Readonly<Record<string, string | undefined>>,
): Authorize | string => {
  const token = options.token ?? env.YQCLOUD_RX_TOKEN ?? '';
  if (!options.auth) {
    if (!isLoopbackHost(options.host))
      return `--no-auth is only allowed on a loopback host (127.0.0.1, ::1, localhost), not ${options.host}`;
    return () => true;
  }
  if (token === '')
    return 'a token is required: pass --token <token> or set YQCLOUD_RX_TOKEN (clients send it as `authorization: Bearer <token>`, the API key of an OpenAI client); on a loopback host, --no-auth turns authorisation off';
  return bearerToken(token);
};

const hostInUrl = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * Starts the server (and the emulator with `emulator`), or throws when it cannot listen.
 */
export const startServe = async (
  options: ServeOptions,
  authorize: Authorize,
  write: (line: string) => void,
): Promise<Served> => {
  const emulator: Emulator | undefined = options.emulator === true ? await startEmulator() : undefined;
  // The upstream transport: node:http directly, which passes the same contract as axios for a
  // fraction of its CPU and memory per stream (docs/benchmarks.md).
  const transport = nodeTransport();
  const provider = new YqcloudProvider({
    transport,
    ...(emulator !== undefined
      ? { apiEndpoint: emulator.apiEndpoint }
      : options.endpoint === undefined
        ? {}
        : { apiEndpoint: options.endpoint }),
  });
  const logger: ServerLogger = (entry) =>
    write(`  ${entry.level}: ${entry.message}${entry.detail === undefined ? '' : ` (${entry.detail})`}`);
  const replyOptions = options.replyProducerTtl === undefined ? {} : { producerTtlMs: options.replyProducerTtl };
  const store: ReplyStore =
    options.redis === undefined
      ? createMemoryReplyStore(replyOptions)
      : await createRedisStore({
          url: options.redis,
          log: (line) => write(`  ${line}`),
          whenUnavailable: options.redisRequired === true ? 'refuse' : 'per-instance',
          ...replyOptions,
        });
  const upstreamTimeout = options.upstreamTimeout ?? 60_000;
  const modelAliases = modelAliasesOf(options.modelAlias ?? []);
  if (typeof modelAliases === 'string') throw new Error(modelAliases);
  const guarded = {
    provider,
    authorize,
    store,
    logger,
    ...(options.accessLog === false ? {} : { accessLog: (entry: AccessLogEntry) => write(accessLogLine(entry)) }),
    ...(options.maxStreams === undefined ? {} : { maxConcurrentStreams: options.maxStreams }),
    ...(options.maxRequestsPerMinute === undefined ? {} : { maxRequestsPerMinute: options.maxRequestsPerMinute }),
    bodyTimeoutMs: options.bodyTimeout ?? 20_000,
    upstreamTimeoutMs: upstreamTimeout,
    ...(options.cors.length === 0 ? {} : { cors: { origins: options.cors } }),
  };
  const relay = createRelayHandler(guarded);
  const openai = createOpenAIHandler({ ...guarded, modelAliases });
  const chat = createUIMessageStreamHandler(guarded);
  const headersTimeout = options.headersTimeout ?? 10_000;
  const server = http.createServer(
    {
      headersTimeout,
      requestTimeout: Math.max(headersTimeout, options.requestTimeout ?? 30_000),
      keepAliveTimeout: options.keepAliveTimeout ?? 5_000,
      // How often the two timeouts above are checked: a slow client is cut within a second of its deadline.
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      const path = (req.url ?? '').replace(/[?#].*$/, '');
      if (path === '/relay') void relay(req, res);
      else if (chat.handles(path)) void chat(req, res);
      else void openai(req, res);
    },
  );
  let metrics: ServeMetrics | undefined;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    provider.destroy();
    transport.destroy();
    await metrics?.close();
    await store.close();
    await emulator?.close();
  };
  try {
    // Counting from the first reply: the metrics listen before the server does.
    const metricsPort = options.metricsPort;
    if (metricsPort !== undefined)
      metrics = await startServeMetrics({ port: metricsPort, host: '127.0.0.1' }).catch((e: unknown) => {
        throw new Error(`the metrics port 127.0.0.1:${metricsPort}: ${e instanceof Error ? e.message : String(e)}`);
      });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
  } catch (e) {
    await close();
    throw e;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${hostInUrl(options.host)}:${port}`;
  write(`yqcloud-rx serve listening on ${url}`);
  write(`  relay:  POST ${url}/relay`);
  write(`  OpenAI: ${url}/v1 (POST /v1/chat/completions, GET /v1/models)`);
  write(`  AI SDK chat: POST ${url}/api/chat (the UI message stream of useChat and DefaultChatTransport)`);
  write(
    `  upstream: ${emulator !== undefined ? `the embedded emulator at ${emulator.apiEndpoint}` : redactUrl(provider.apiEndpoint)}`,
  );
  write(
    `  store: ${options.redis === undefined ? 'this process (replies resumable on this instance only)' : `redis at ${printableRedisUrl(options.redis)}`}`,
  );
  if (metrics !== undefined) write(`  metrics: GET ${metrics.url}/metrics (Prometheus text; this machine only)`);
  if (!options.auth) write('  no authorisation (--no-auth): anyone on this machine can use it');
  return { url, ...(metrics === undefined ? {} : { metricsUrl: metrics.url }), close };
};

/**
 * Runs `serve` as its command line asked: checks the options, starts, and stops on SIGINT or
 * SIGTERM. Sets `process.exitCode` when it refuses or cannot listen.
 */
export const runServe = async (options: ServeOptions): Promise<void> => {
  const authorize = authorizationOf(options, process.env);
  if (typeof authorize === 'string') {
    process.stderr.write(`yqcloud-rx serve: ${authorize}\n`);
    process.exitCode = exitCodes.InvalidRequest;
    return;
  }
  const aliases = modelAliasesOf(options.modelAlias ?? []);
  if (typeof aliases === 'string') {
    process.stderr.write(`yqcloud-rx serve: ${aliases}\n`);
    process.exitCode = exitCodes.InvalidRequest;
    return;
  }
  const redis = options.redis ?? (process.env.REDIS_URL || undefined);
  let served: Served;
  try {
    served = await startServe({ ...options, redis }, authorize, (line) => process.stdout.write(`${line}\n`));
  } catch (e: unknown) {
    process.stderr.write(
      `yqcloud-rx serve: cannot listen on ${options.host}:${options.port}: ${e instanceof Error ? e.message : String(e)}\n`,
    );
    process.exitCode = exitCodes.unexpected;
    return;
  }
  const stop = (): void => {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    void served.close().then(() => process.exit(exitCodes.ok));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
};
