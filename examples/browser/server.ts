/**
 * Builds the demo page with esbuild (browser platform, as a user's bundler would) and serves it
 * with the shape of a real deployment: the page on one origin, a relay (`createRelayHandler` of
 * `yqcloud-rx/server`) on another that admits only that origin and the page's token, and the
 * service behind the relay, here the embedded emulator. The page talks only to the relay.
 */
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { browserSources } from '../../tools/browserSources.js';
import { startEmulator, type Emulator, type EmulatorOptions, type ReplyFunction } from '../../lib/emulator/index.js';
import { YqcloudProvider } from '../../lib/index.js';
import { bearerToken, createMemoryReplyStore, createRelayHandler } from '../../lib/server/index.js';
import { demoReply } from './demoReply.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** The token the demo's relay accepts and its page sends (a real app gives each user its own). */
export const demoToken = 'demo-token';

/** What `startDemo` takes; everything is optional. */
export interface DemoOptions {
  /** Port of the page (default `0`: any free port). */
  readonly port?: number;
  /** Interface to listen on (default `127.0.0.1`). */
  readonly host?: string;
  /** How the embedded emulator answers (default: 4 characters every 40 ms, slow enough to watch). */
  readonly emulator?: EmulatorOptions;
  /**
   * The endpoint the relay calls, given the emulator (default: the emulator's `apiEndpoint`).
   * The specs put a connection-recording tap between the relay and the emulator this way.
   */
  readonly upstreamEndpoint?: (emulator: Emulator) => string | Promise<string>;
}

/** A running demo. */
export interface Demo {
  /** The page's address. */
  readonly url: string;
  /** The relay's address, which the page calls. */
  readonly relayUrl: string;
  /** The emulator behind the relay. */
  readonly emulator: Emulator;
  /** Which source files went into the page's bundle. */
  readonly bundleInputs: ReadonlyArray<string>;
  /** Stops the page server, the relay and the emulator. */
  readonly close: () => Promise<void>;
}

/** Bundles `main.ts` for browsers, as a user's bundler would. */
export const buildDemo = async (): Promise<{ readonly code: string; readonly inputs: ReadonlyArray<string> }> => {
  const result = await esbuild.build({
    entryPoints: [here('./main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [browserSources],
  });
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error('esbuild produced no bundle');
  return { code: file.text, inputs: Object.keys(result.metafile.inputs) };
};

/** Serves the page and its bundle; anything else is a 404. */
const pageServer = (page: () => string, script: string): http.Server =>
  http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(script);
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page());
    } else {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found');
    }
  });

const listen = (server: http.Server, port: number, host: string): Promise<string> =>
  new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve(`http://${host.includes(':') ? `[${host}]` : host}:${address.port}`);
    });
  });

const closeServer = (server: http.Server): Promise<void> =>
  new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.closeAllConnections();
    server.close(() => resolve());
  });

const attribute = (value: string): string => value.replace(/["<>&]/g, '');

/** Builds the page, starts the emulator and the relay, and serves the page. */
export const startDemo = async (options: DemoOptions = {}): Promise<Demo> => {
  const [bundle, template] = await Promise.all([buildDemo(), readFile(here('./index.html'), 'utf8')]);
  const reply: ReplyFunction = options.emulator?.reply ?? demoReply;
  const emulator = await startEmulator({ pieceChars: 4, delayMs: 40, ...options.emulator, reply });
  const host = options.host ?? '127.0.0.1';
  let relayUrl = '';
  const page = pageServer(
    () => template.replace('%YQ_RELAY%', attribute(relayUrl)).replace('%YQ_TOKEN%', attribute(demoToken)),
    bundle.code,
  );
  let upstream: YqcloudProvider | undefined;
  let relay: http.Server | undefined;
  // Replies are kept (in this process) while they stream and a while after: a page reloaded
  // mid-reply continues it.
  const store = createMemoryReplyStore();
  try {
    const origin = await listen(page, options.port ?? 0, host);
    const endpoint =
      options.upstreamEndpoint === undefined ? emulator.apiEndpoint : await options.upstreamEndpoint(emulator);
    upstream = new YqcloudProvider({ apiEndpoint: endpoint });
    relay = http.createServer(
      createRelayHandler({
        provider: upstream,
        authorize: bearerToken(demoToken),
        cors: { origins: [origin] },
        store,
      }),
    );
    relayUrl = `${await listen(relay, 0, host)}/api/chat`;
    return {
      url: `${origin}/`,
      relayUrl,
      emulator,
      bundleInputs: bundle.inputs,
      close: async () => {
        upstream?.destroy();
        await Promise.all([closeServer(page), relay === undefined ? undefined : closeServer(relay), emulator.close()]);
        await store.close();
      },
    };
  } catch (e) {
    upstream?.destroy();
    await Promise.all([closeServer(page), relay === undefined ? undefined : closeServer(relay), emulator.close()]);
    await store.close();
    throw e;
  }
};
