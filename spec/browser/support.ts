/**
 * Headless Chromium for the browser specs, driven by playwright-core: `CHROMIUM_PATH` when set,
 * else Debian's `/usr/bin/chromium` when installed, else the Chromium that `@sparticuz/chromium`
 * carries inside its npm package (no download, so `npm ci && npm test` works on a fresh machine).
 * Also esbuild bundles of browser entries served from a loopback server.
 */
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as esbuild from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { browserSources } from '../../tools/browserSources.js';

const systemChromium = '/usr/bin/chromium';

/** The Chromium executable the specs launch, and where it came from (see the module comment). */
export const chromiumPath = async (): Promise<{ readonly path: string; readonly from: string }> => {
  const given = process.env.CHROMIUM_PATH;
  if (given !== undefined && given !== '') return { path: given, from: 'CHROMIUM_PATH' };
  if (existsSync(systemChromium)) return { path: systemChromium, from: 'the system Chromium' };
  // Only its executablePath(): the package's own `args` are for serverless puppeteer and make
  // Chromium 138 crash (SIGTRAP) under playwright here.
  const { default: packaged } = await import('@sparticuz/chromium');
  return { path: await packaged.executablePath(), from: '@sparticuz/chromium' };
};

/** Launches headless Chromium with the flags this closed network needs; a failure names the Chromium tried. */
export const launchChromium = async (): Promise<Browser> => {
  const { path, from } = await chromiumPath();
  try {
    return await chromium.launch({
      executablePath: path,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (error) {
    throw new Error(
      `Chromium from ${from} (${path}) did not launch; set CHROMIUM_PATH to a Chromium executable. ${String(error)}`,
      { cause: error },
    );
  }
};

/** Bundles a browser entry (TypeScript) into one ESM script, as a user's bundler would (`minify` for a production build). */
export const bundleForBrowser = async (
  entry: string,
  { minify = false }: { readonly minify?: boolean } = {},
): Promise<{ code: string; inputs: ReadonlyArray<string> }> => {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify,
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [browserSources],
  });
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  return { code: file.text, inputs: Object.keys(result.metafile.inputs) };
};

/** A static page server: `/` is an HTML page loading `/app.js`. */
export interface PageServer {
  readonly origin: string;
  readonly close: () => Promise<void>;
}

/** Serves a page that runs `script` as a module. */
export const servePage = async (script: string, body = ''): Promise<PageServer> => {
  const server = http.createServer((req, res) => {
    if (req.url === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(script);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html><head><meta charset="utf-8"></head><body>${body}<script type="module" src="/app.js"></script></body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** CORS headers that let a page on another origin call a loopback API. */
export const corsHeaders: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'content-type, accept, accept-language, x-emulator-fault',
  'access-control-max-age': '600',
};
