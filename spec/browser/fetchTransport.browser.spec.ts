import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { defaultReply, startEmulator } from '../../lib/emulator/index.js';
import { gate, startLoopbackServer, within, type Gate, type LoopbackServer } from '../support/loopbackServer.js';
import { bundleForBrowser, corsHeaders, launchChromium, servePage, type PageServer } from './support.js';

const entry = fileURLToPath(new URL('./fixtures/streamPage.ts', import.meta.url));

interface PageRun {
  readonly chunks: ReadonlyArray<{ type: string; text?: string }>;
  readonly error:
    | {
        kind: string;
        message: string;
        partialText: string;
        status?: number | undefined;
        retryAfterMs?: number | undefined;
      }
    | undefined;
  readonly completed: boolean;
}

/**
 * Runs before the bundle: records the header names the page hands to `Request` and `fetch`, since
 * Chromium drops a forbidden one silently and the server alone could not tell it was attempted.
 */
const recordHeaders = `<script>
  globalThis.handedHeaders = [];
  const names = (init) => {
    const headers = init && init.headers;
    if (!headers) return [];
    if (typeof headers.forEach === 'function' && !Array.isArray(headers)) { const out = []; headers.forEach((_v, k) => out.push(k.toLowerCase())); return out; }
    return (Array.isArray(headers) ? headers.map((h) => h[0]) : Object.keys(headers)).map((k) => k.toLowerCase());
  };
  const url = (input) => String(input && input.url !== undefined ? input.url : input);
  const NativeRequest = globalThis.Request;
  globalThis.Request = class extends NativeRequest {
    constructor(input, init) { super(input, init); globalThis.handedHeaders.push({ url: url(input), names: names(init) }); }
  };
  const nativeFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    if (init && init.headers) globalThis.handedHeaders.push({ url: url(input), names: names(init) });
    return nativeFetch(input, init);
  };
</script>`;

const pageRun = (page: Page): Promise<PageRun> =>
  page.evaluate(
    () => JSON.parse(JSON.stringify((globalThis as unknown as { yq: { run: unknown } }).yq.run)) as PageRun,
  );

type PageApi = { yq: { start: (endpoint: string, request: object, options: object) => void; run: PageRun } };

/** Starts a reply on the page with the given request fields and provider options. */
const start = (page: Page, endpoint: string, request: object = {}, options: object = {}): Promise<void> =>
  page.evaluate((a) => (globalThis as unknown as PageApi).yq.start(a.endpoint, a.request, a.options), {
    endpoint,
    request,
    options,
  });

/** What the page saw once the reply completed or failed. */
const settled = async (page: Page): Promise<PageRun> => {
  await page.waitForFunction(() => {
    const { run } = (globalThis as unknown as PageApi).yq;
    return run.completed || run.error !== undefined;
  });
  return pageRun(page);
};

describe('in the browser (headless Chromium, bundled with esbuild)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let pageServer: PageServer;
  let bundleInputs: ReadonlyArray<string>;
  let api: LoopbackServer;
  let release: Gate;
  let page: Page;

  before(async () => {
    const bundle = await bundleForBrowser(entry);
    bundleInputs = bundle.inputs;
    pageServer = await servePage(bundle.code, recordHeaders);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await pageServer?.close();
  });

  beforeEach(async () => {
    release = gate();
    api = await startLoopbackServer(async (req, res) => {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, corsHeaders);
        res.end();
        return;
      }
      res.writeHead(200, { ...corsHeaders, 'content-type': 'text/plain; charset=utf-8' });
      res.write('Hello, ');
      await release.promise;
      res.end('世界!');
    });
    page = await browser.newPage();
    await page.goto(pageServer.origin);
    await page.waitForFunction(() => 'yq' in globalThis);
  });

  afterEach(async () => {
    await page?.close();
    await api?.close();
  });

  it('bundles no Node-only module: the fetch transport replaces the Node one', () => {
    expect(bundleInputs).to.satisfy((inputs: ReadonlyArray<string>) =>
      inputs.some((input) => input.endsWith('lib/http/defaultTransport.browser.ts')),
    );
    expect(
      bundleInputs.filter((input) => /agents\.ts|axiosTransport\.ts|proxy-agent|^node:/.test(input)),
    ).to.deep.equal([]);
  });

  it('streams the reply: the first piece is on the page before the server sends the rest', async () => {
    await page.evaluate(
      (endpoint) => (globalThis as unknown as { yq: { start: (e: string) => void } }).yq.start(endpoint),
      api.endpoint,
    );
    await page.waitForFunction(
      () => (globalThis as unknown as { yq: { run: { chunks: unknown[] } } }).yq.run.chunks.length > 0,
    );
    const early = await pageRun(page);
    expect(early.chunks).to.deep.equal([{ type: 'text', text: 'Hello, ' }]);
    release.open();
    await page.waitForFunction(
      () => (globalThis as unknown as { yq: { run: { completed: boolean } } }).yq.run.completed,
    );
    const done = await pageRun(page);
    expect(done.chunks).to.deep.equal([
      { type: 'text', text: 'Hello, ' },
      { type: 'text', text: '世界!' },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('leaves origin, referer and user-agent to the browser and sends the protocol body', async () => {
    release.open();
    await page.evaluate(
      (endpoint) => (globalThis as unknown as { yq: { start: (e: string) => void } }).yq.start(endpoint),
      api.endpoint,
    );
    await page.waitForFunction(
      () => (globalThis as unknown as { yq: { run: { completed: boolean } } }).yq.run.completed,
    );
    const post = api.requests.find((r) => r.method === 'POST');
    expect(post?.headers.origin).to.equal(pageServer.origin);
    expect(post?.headers['user-agent']).to.match(/Chrome/);
    expect(post?.headers['content-type']).to.equal('application/json');
    const handed = await page.evaluate(
      (endpoint) =>
        (globalThis as unknown as { handedHeaders: Array<{ url: string; names: Array<string> }> }).handedHeaders.filter(
          (h) => h.url === endpoint,
        ),
      api.endpoint,
    );
    expect(handed.length).to.be.greaterThan(0);
    for (const { names } of handed) {
      expect(names).to.include('content-type');
      expect(names.filter((name) => ['origin', 'referer', 'user-agent'].includes(name))).to.deep.equal([]);
    }
    expect(Object.keys(JSON.parse(post?.body ?? '{}') as object)).to.deep.equal([
      'prompt',
      'userId',
      'network',
      'system',
      'withoutContext',
      'stream',
    ]);
  });

  it('unsubscribing aborts the fetch: the server sees its socket close, the partial text stays on the page', async () => {
    await page.evaluate(
      (endpoint) => (globalThis as unknown as { yq: { start: (e: string) => void } }).yq.start(endpoint),
      api.endpoint,
    );
    await page.waitForFunction(
      () => (globalThis as unknown as { yq: { run: { chunks: unknown[] } } }).yq.run.chunks.length > 0,
    );
    const closed = api.socketClosed();
    await page.evaluate(() => (globalThis as unknown as { yq: { stop: () => void } }).yq.stop());
    expect(await within(closed, 2000)).to.not.equal('deadline');
    const run = await pageRun(page);
    expect(run).to.have.property('completed', false);
    expect(run.chunks).to.deep.equal([{ type: 'text', text: 'Hello, ' }]);
  });

  it('refuses a proxy in the browser before sending anything', async () => {
    await page.evaluate(
      (endpoint) =>
        (globalThis as unknown as { yq: { start: (e: string, r: object) => void } }).yq.start(endpoint, {
          proxy: 'http://u:p@127.0.0.1:3128',
        }),
      api.endpoint,
    );
    await page.waitForFunction(
      () => (globalThis as unknown as { yq: { run: { error?: unknown } } }).yq.run.error !== undefined,
    );
    const run = await pageRun(page);
    expect(run.error?.kind).to.equal('InvalidRequest');
    expect(run.error?.message).to.not.include('u:p');
    expect(api.requests).to.have.length(0);
  });

  it('refuses a `ca` in the browser before sending anything', async () => {
    await start(page, api.endpoint, {}, { ca: '-----BEGIN CERTIFICATE-----' });
    const run = await settled(page);
    expect(run.error?.kind).to.equal('InvalidRequest');
    expect(api.requests).to.have.length(0);
  });

  it('does not follow a redirect: an Http error, and the target never sees the POST', async () => {
    const target = await startLoopbackServer((req, res) => {
      res.writeHead(req.method === 'OPTIONS' ? 204 : 200, corsHeaders);
      res.end(req.method === 'OPTIONS' ? undefined : 'followed');
    });
    const redirecting = await startLoopbackServer((req, res) => {
      res.writeHead(
        req.method === 'OPTIONS' ? 204 : 307,
        req.method === 'OPTIONS' ? corsHeaders : { ...corsHeaders, location: target.endpoint },
      );
      res.end();
    });
    try {
      await start(page, redirecting.endpoint);
      const run = await settled(page);
      expect(run.error?.kind).to.equal('Http');
      expect(run.chunks).to.deep.equal([]);
      expect(redirecting.requests.filter((r) => r.method === 'POST')).to.have.length(1);
      expect(target.requests).to.deep.equal([]);
    } finally {
      await Promise.all([target.close(), redirecting.close()]);
    }
  });

  it('a refused connection is a Network error', async () => {
    const gone = await startLoopbackServer((_req, res) => res.end());
    await gone.close();
    await start(page, gone.endpoint);
    const run = await settled(page);
    expect(run.error?.kind).to.equal('Network');
    expect(run.chunks).to.deep.equal([]);
  });

  it('decodes characters split across pieces (every byte on its own, from the emulator)', async () => {
    const emulator = await startEmulator({ delayMs: 0 });
    try {
      emulator.injectFault({ kind: 'split-utf8' });
      await start(page, emulator.apiEndpoint);
      const run = await settled(page);
      expect(run.error).to.equal(undefined);
      expect(run.chunks.length).to.be.greaterThan(2);
      expect(run.chunks.map((c) => c.text ?? '').join('')).to.equal(
        defaultReply('Hello', { system: '', userId: '', history: [] }),
      );
    } finally {
      await emulator.close();
    }
  });

  it('a connection reset mid-reply is a Network error that keeps the text received', async () => {
    const emulator = await startEmulator({ delayMs: 5 });
    try {
      emulator.injectFault({ kind: 'reset', afterChars: 12 });
      await start(page, emulator.apiEndpoint);
      const run = await settled(page);
      const received = run.chunks.map((c) => c.text ?? '').join('');
      expect(run.error?.kind).to.equal('Network');
      // A reset can discard what the kernel held unread, so the text is a prefix of the reply's
      // first 12 characters, not all of them; what was delivered is kept whole.
      const reply = defaultReply('Hello', { system: '', userId: '', history: [] });
      expect(reply.slice(0, 12).startsWith(received), `${JSON.stringify(received)} starts the reply`).to.equal(true);
      expect(run.error?.partialText).to.equal(received);
    } finally {
      await emulator.close();
    }
  });

  it('reads an error status and its Retry-After across origins from the emulator (Http, retryAfterMs)', async () => {
    const emulator = await startEmulator({ delayMs: 0 });
    try {
      emulator.injectFault({ kind: 'status', status: 503, retryAfterS: 2 });
      await start(page, emulator.apiEndpoint);
      const run = await settled(page);
      expect(run.error).to.deep.include({ kind: 'Http', status: 503, retryAfterMs: 2000 });
    } finally {
      await emulator.close();
    }
  });
});
