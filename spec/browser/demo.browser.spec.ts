/**
 * The browser demo (`examples/browser/`, `npm run demo`) end to end: the real page, bundled by
 * `startDemo`, in headless Chromium, against the embedded emulator. The emulator is paced (4
 * characters every 40 ms) so a reply takes about two seconds and can be watched growing.
 *
 * To see what the browser does with its connections, the page calls the emulator through a small
 * TCP relay that records which connection carried each POST and when it closed: when the browser
 * closes one, the relay closes its side to the emulator too, so the emulator sees it close.
 */
import { expect } from 'chai';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { blocked } from '../../lib/core/error.js';
import { apiPath } from '../../lib/emulator/index.js';
import { describeError } from '../../examples/browser/describeError.js';
import { startDemo, type Demo } from '../../examples/browser/server.js';
import { storageKey } from '../../examples/browser/storage.js';
import { within } from '../support/loopbackServer.js';
import { teardown } from '../support/teardown.js';
import { launchChromium } from './support.js';

/** One browser connection through the relay. */
interface RelayedConnection {
  /** Resolves when the browser's socket has closed. */
  readonly closed: Promise<void>;
  readonly isClosed: () => boolean;
}

/** A TCP relay in front of the emulator that tells which connection carried each POST. */
interface Relay {
  readonly origin: string;
  /** The connections that carried a POST, one entry per POST, in order. */
  readonly posts: ReadonlyArray<RelayedConnection>;
  /** Resolves with the connection of the next POST the browser sends. */
  readonly nextPost: () => Promise<RelayedConnection>;
  readonly close: () => Promise<void>;
}

const startRelay = async (target: URL): Promise<Relay> => {
  const posts: Array<RelayedConnection> = [];
  const sockets = new Set<net.Socket>();
  let waiters: Array<(c: RelayedConnection) => void> = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let isClosed = false;
    const connection: RelayedConnection = {
      closed: new Promise<void>((resolve) =>
        client.once('close', () => {
          isClosed = true;
          resolve();
        }),
      ),
      isClosed: () => isClosed,
    };
    client.on('data', (data: Buffer) => {
      // A request line at the start of a piece the browser wrote (HTTP/1.1, no pipelining).
      if (/^POST /.test(data.toString('latin1', 0, 8))) {
        posts.push(connection);
        const ready = waiters;
        waiters = [];
        for (const resolve of ready) resolve(connection);
      }
    });
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.once('close', end).on('error', end);
    upstream.once('close', end).on('error', end);
    for (const socket of [client, upstream]) socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    posts,
    nextPost: () => new Promise<RelayedConnection>((resolve) => waiters.push(resolve)),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
};

/** What the page shows, read from the DOM. */
interface Screen {
  readonly messages: ReadonlyArray<{ readonly role: string; readonly text: string }>;
  readonly pending: string;
  readonly pendingShown: boolean;
  readonly status: string;
  readonly error: string;
  readonly errorShown: boolean;
  readonly stopEnabled: boolean;
}

// No named function inside: tsx would wrap it in a `__name` helper the page does not have.
const screen = (page: Page): Promise<Screen> =>
  page.evaluate(() => {
    const pending = document.querySelector('#pending') as HTMLElement;
    const error = document.querySelector('#error') as HTMLElement;
    return {
      messages: [...document.querySelectorAll<HTMLElement>('#messages li')].map((li) => ({
        role: [...li.classList].find((c) => c !== 'message') ?? '',
        text: li.textContent ?? '',
      })),
      pending: pending.textContent ?? '',
      pendingShown: !pending.hidden,
      status: (document.querySelector('#status') as HTMLElement).dataset.status ?? '',
      error: error.textContent ?? '',
      errorShown: !error.hidden,
      stopEnabled: !(document.querySelector('#stop') as HTMLButtonElement).disabled,
    };
  });

const ask = async (page: Page, prompt: string): Promise<void> => {
  await page.fill('#prompt', prompt);
  await page.press('#prompt', 'Enter');
};

/** Waits (deadline 10 s) until the reply in flight has at least `chars` characters on screen. */
const replyShowing = (page: Page, chars = 1): Promise<unknown> =>
  page.waitForFunction((n) => (document.querySelector('#pending')?.textContent ?? '').length >= n, chars, {
    timeout: 10_000,
  });

/** Waits (deadline 10 s) until the page is idle with `count` assistant turns. */
const repliesDone = (page: Page, count: number): Promise<unknown> =>
  page.waitForFunction(
    (n) =>
      document.querySelector<HTMLElement>('#status')?.dataset.status === 'idle' &&
      document.querySelectorAll('#messages .assistant').length === n,
    count,
    { timeout: 10_000 },
  );

describe('the browser demo (examples/browser, headless Chromium against the emulator)', function () {
  this.timeout(20_000);
  let browser: Browser;
  let relay: Relay | undefined;
  let demo: Demo;
  let page: Page;

  const started = teardown();

  before(async () => {
    [browser, demo] = await Promise.all([
      started.track(launchChromium(), (b) => b.close()),
      started.track(
        startDemo({
          emulator: { pieceChars: 4, delayMs: 40 },
          pageEndpoint: async (emulator) => {
            relay = await started.track(startRelay(new URL(emulator.url)), (r) => r.close());
            return `${relay.origin}${apiPath}`;
          },
        }),
        (d) => d.close(),
      ),
    ]);
  });

  after(() => started.stopAll());

  it('bundles the fetch transport and no Node-only module', () => {
    expect(demo.bundleInputs).to.satisfy((inputs: ReadonlyArray<string>) =>
      inputs.some((input) => input.endsWith('lib/http/defaultTransport.browser.ts')),
    );
    expect(
      demo.bundleInputs.filter((input) => /agents\.ts|axiosTransport\.ts|proxy-agent|^node:/.test(input)),
    ).to.deep.equal([]);
  });

  describe('on the page (a new browser context, so empty localStorage, per test)', () => {
    beforeEach(async () => {
      page = await browser.newPage();
      await page.goto(demo.url);
      await page.waitForSelector('#status[data-status="idle"]');
    });

    afterEach(async () => {
      await page?.close();
    });

    it('shows the reply growing word by word while it streams, then as an assistant turn', async () => {
      // Every text the pending reply shows, with the status at that moment, as the DOM changes.
      await page.evaluate(() => {
        const pending = document.querySelector('#pending') as HTMLElement;
        const status = document.querySelector('#status') as HTMLElement;
        const seen: Array<{ text: string; status: string }> = [];
        (globalThis as unknown as { seen: typeof seen }).seen = seen;
        new MutationObserver(() => {
          const text = pending.textContent ?? '';
          if (text !== '' && text !== seen.at(-1)?.text) seen.push({ text, status: status.dataset.status ?? '' });
        }).observe(pending, { childList: true, characterData: true, subtree: true });
      });
      await ask(page, 'Tell me about streaming');
      await repliesDone(page, 1);

      const seen = await page.evaluate(
        () => (globalThis as unknown as { seen: Array<{ text: string; status: string }> }).seen,
      );
      const shown = await screen(page);
      const final = shown.messages.at(-1)?.text ?? '';
      expect(shown.messages.map((m) => m.role)).to.deep.equal(['user', 'assistant']);
      expect(final).to.match(/^You said: "Tell me about streaming"\. This is turn 1/);
      // Partial texts: what was on screen before the reply was complete (a last flush may equal it).
      const partials = seen.filter((s) => s.text !== final);
      expect(partials.length, JSON.stringify(seen.map((s) => s.text))).to.be.at.least(2);
      for (const [i, partial] of seen.entries()) {
        expect(partial.status).to.equal('streaming');
        expect(final.slice(0, partial.text.length), 'a prefix of the final text').to.equal(partial.text);
        if (i > 0) expect(partial.text.length).to.be.greaterThan(seen[i - 1]?.text.length ?? 0);
      }
      // `bufferText({ boundary: 'word' })`: a partial ends before a Unicode word (or the quote opening it).
      const wordStarts = new Set(
        [...new Intl.Segmenter(undefined, { granularity: 'word' }).segment(final)].flatMap((w) =>
          w.isWordLike ? [w.index] : [],
        ),
      );
      expect(
        partials.filter((s) => !wordStarts.has(s.text.length) && !wordStarts.has(s.text.length + 1)),
        JSON.stringify(partials.map((s) => s.text)),
      ).to.deep.equal([]);
      expect(shown).to.have.property('pendingShown', false);
    });

    it('Stop aborts the request (its connection closes) and keeps the partial reply', async () => {
      const post = relay!.nextPost();
      await ask(page, 'Please stop me');
      const connection = await post;
      await replyShowing(page, 12);
      expect(await screen(page)).to.have.property('stopEnabled', true);
      await page.click('#stop');

      expect(await within(connection.closed, 3000)).to.not.equal('deadline');
      await page.waitForSelector('#status[data-status="idle"]', { timeout: 5000 });
      const shown = await screen(page);
      const kept = shown.messages.at(-1);
      expect(shown.messages.map((m) => m.role)).to.deep.equal(['user', 'assistant']);
      expect(kept?.text).to.match(/^You said: "Please/);
      expect(kept?.text).to.not.include('你好'); // the reply ends with these; it was cut well before
      expect(shown).to.have.property('pendingShown', false);
      expect(shown).to.have.property('stopEnabled', false);
      const saved = JSON.parse((await page.evaluate((key) => localStorage.getItem(key), storageKey)) ?? 'null') as {
        message_history: ReadonlyArray<{ content: string }>;
      };
      expect(saved.message_history.map((m) => m.content)).to.deep.equal(['Please stop me', kept?.text]);
    });

    it('a second prompt mid-reply cancels the first: its connection closes, only the second reply completes', async () => {
      const firstPost = relay!.nextPost();
      await ask(page, 'First question');
      const first = await firstPost;
      await replyShowing(page, 12);

      const secondPost = relay!.nextPost();
      await ask(page, 'Second question');
      expect(await within(first.closed, 3000)).to.not.equal('deadline');
      const second = await secondPost;
      expect(second).to.not.equal(first);
      await repliesDone(page, 2);

      const shown = await screen(page);
      expect(shown.messages.map((m) => m.role)).to.deep.equal(['user', 'assistant', 'user', 'assistant']);
      expect(shown.messages[0]?.text).to.equal('First question');
      expect(shown.messages[1]?.text).to.match(/^You said: "First/);
      expect(shown.messages[1]?.text).to.not.include('你好'); // cut short
      expect(shown.messages[2]?.text).to.equal('Second question');
      expect(shown.messages[3]?.text).to.match(/^You said: "Second question"\. .*你好，世界 🌏\.$/);
      const prompts = demo.emulator.requests.slice(-2).map((r) => r.payload?.prompt ?? '');
      expect(prompts[0]).to.equal('First question');
      expect(prompts[1]).to.match(
        /User: First question\nAssistant: You said: "First.*\nUser: Second question\nAssistant:$/s,
      );
    });

    it('restores the conversation from localStorage on reload, and goes on with it', async () => {
      await ask(page, 'Remember me');
      await repliesDone(page, 1);
      const before = await screen(page);

      await page.reload();
      await page.waitForFunction(() => document.querySelectorAll('#messages li').length === 2, undefined, {
        timeout: 5000,
      });
      expect((await screen(page)).messages).to.deep.equal(before.messages);

      await ask(page, 'And now?');
      await repliesDone(page, 2);
      const after = await screen(page);
      expect(after.messages.slice(0, 2)).to.deep.equal(before.messages);
      expect(after.messages[3]?.text).to.match(
        /^You said: "And now\?"\. This is turn 2 of our conversation\. Earlier you said: "Remember me"\./,
      );
      const [a, b] = demo.emulator.requests.slice(-2).map((r) => r.payload?.userId);
      expect(b).to.equal(a);

      await page.click('#clear');
      await page.waitForFunction(() => document.querySelectorAll('#messages li').length === 0, undefined, {
        timeout: 5000,
      });
      await page.reload();
      await page.waitForSelector('#status[data-status="idle"]');
      expect((await screen(page)).messages).to.deep.equal([]);
    });

    it('an injected ban is explained in words, and no reply is shown', async () => {
      demo.emulator.injectFault({ kind: 'ban' });
      await ask(page, 'Am I blocked?');
      await page.waitForSelector('#error:not([hidden])', { timeout: 10_000 });

      const shown = await screen(page);
      expect(shown.error).to.equal(describeError(blocked('ip-banned', '')));
      expect(shown.error).to.match(/^Blocked: The service has banned this network's IP address/);
      expect(shown.error).to.not.include('封禁');
      expect(shown.status).to.equal('error');
      expect(shown.messages).to.deep.equal([{ role: 'user', text: 'Am I blocked?' }]);
      expect(demo.emulator.requests.at(-1)?.fault).to.deep.equal({ kind: 'ban' });
    });
  });
});
