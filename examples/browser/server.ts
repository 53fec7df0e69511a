/**
 * Builds the demo page with esbuild (browser platform, so the fetch transport is bundled) and
 * serves it next to an embedded emulator, which the page calls across origins (CORS).
 */
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { browserSources } from '../../tools/browserSources.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../lib/emulator/index.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** What `startDemo` takes; everything is optional. */
export interface DemoOptions {
  /** Port of the page (default `0`: any free port). */
  readonly port?: number;
  /** Interface to listen on (default `127.0.0.1`). */
  readonly host?: string;
  /** How the embedded emulator answers (default: 4 characters every 40 ms, slow enough to watch). */
  readonly emulator?: EmulatorOptions;
  /**
   * The endpoint the page calls, given the emulator (default: the emulator's `apiEndpoint`).
   * The specs put a connection-recording relay in front of the emulator this way.
   */
  readonly pageEndpoint?: (emulator: Emulator) => string | Promise<string>;
}

/** A running demo. */
export interface Demo {
  /** The page's address. */
  readonly url: string;
  /** The emulator the page talks to. */
  readonly emulator: Emulator;
  /** Which source files went into the page's bundle. */
  readonly bundleInputs: ReadonlyArray<string>;
  /** Stops the page server and the emulator. */
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
const pageServer = (page: string, script: string): http.Server =>
  http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(script);
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found');
    }
  });

/** Builds the page, starts the emulator, and serves the page. */
export const startDemo = async (options: DemoOptions = {}): Promise<Demo> => {
  const [bundle, template] = await Promise.all([buildDemo(), readFile(here('./index.html'), 'utf8')]);
  const emulator = await startEmulator({ pieceChars: 4, delayMs: 40, ...options.emulator });
  const host = options.host ?? '127.0.0.1';
  let server: http.Server;
  try {
    const endpoint = options.pageEndpoint === undefined ? emulator.apiEndpoint : await options.pageEndpoint(emulator);
    server = pageServer(template.replace('%YQ_ENDPOINT%', endpoint.replace(/["<>&]/g, '')), bundle.code);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await emulator.close();
    throw e;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    emulator,
    bundleInputs: bundle.inputs,
    close: async () => {
      server.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => server.close(() => resolve())), emulator.close()]);
    },
  };
};
