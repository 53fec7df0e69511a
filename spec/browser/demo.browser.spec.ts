/**
 * The browser demo (`examples/browser/`, `npm run demo`) end to end: the real page, bundled by
 * `startDemo`, in headless Chromium, talking to the relay (`createRelayHandler`, on another
 * origin, with the page's token) through `RelayProvider`, and the relay to the embedded emulator.
 * The emulator is paced (4 characters every 40 ms) so a reply takes about two seconds and can be
 * watched growing.
 *
 * To see what reaches the service, the relay calls the emulator through a small TCP tap that
 * records which connection carried each POST and when it closed: when the relay closes one, the
 * tap closes its side to the emulator too, so the emulator sees it close.
 */
import { expect } from 'chai';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { blocked, httpError, networkError, withPartialText } from '../../lib/core/error.js';
import { apiPath, defaultReply } from '../../lib/emulator/index.js';
import { describeError } from '../../examples/browser/describeError.js';
import { demoToken, startDemo, type Demo } from '../../examples/browser/server.js';
import { replyKey, storageKey } from '../../examples/browser/storage.js';
import { within } from '../support/loopbackServer.js';
import { teardown } from '../support/teardown.js';
import { launchChromium } from './support.js';

/** One connection of the relay to the emulator, through the tap. */
interface TappedConnection {
  /** Resolves when the relay's socket has closed. */
  readonly closed: Promise<void>;
  readonly isClosed: () => boolean;
}

/** A TCP tap in front of the emulator that tells which connection carried each POST. */
interface Tap {
  readonly origin: string;
  /** The connections that carried a POST, one entry per POST, in order. */
  readonly posts: ReadonlyArray<TappedConnection>;
  /** Resolves with the connection of the next POST the relay sends. */
  readonly nextPost: () => Promise<TappedConnection>;
  readonly close: () => Promise<void>;
}

const startTap = async (target: URL): Promise<Tap> => {
  const posts: Array<TappedConnection> = [];
  const sockets = new Set<net.Socket>();
  let waiters: Array<(c: TappedConnection) => void> = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let isClosed = false;
    const connection: TappedConnection = {
      closed: new Promise<void>((resolve) =>
        client.once('close', () => {
          isClosed = true;
          resolve();
        }),
      ),
      isClosed: () => isClosed,
    };
    client.on('data', (data: Buffer) => {
      // A request line at the start of a piece the relay wrote (HTTP/1.1, no pipelining).
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
    nextPost: () => new Promise<TappedConnection>((resolve) => waiters.push(resolve)),
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

/**
 * The partials of `final` that end inside a word: where `Intl.Segmenter` sees no word boundary
 * in the whole reply (a space is a segment of its own, so `/\s$/` ends are boundaries too).
 */
const insideWords = (final: string, partials: ReadonlyArray<string>, locale = 'en'): ReadonlyArray<string> => {
  const boundaries = new Set(
    [...new Intl.Segmenter(locale, { granularity: 'word' }).segment(final)].map((s) => s.index + s.segment.length),
  );
  return partials.filter((partial) => !boundaries.has(partial.length));
};

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

describe('the browser demo (examples/browser, headless Chromium → relay → emulator)', function () {
  this.timeout(20_000);
  let browser: Browser;
  let tap: Tap | undefined;
  let demo: Demo;
  let page: Page;

  // Each start is recorded as it begins, so `after` stops what did start even when another
  // start failed (a Promise.all alone would drop the demo server when Chromium fails).
  const started = teardown();

  before(async () => {
    [browser, demo] = await Promise.all([
      started.track(launchChromium(), (b) => b.close()),
      started.track(
        startDemo({
          emulator: { pieceChars: 4, delayMs: 40 },
          upstreamEndpoint: async (emulator) => {
            tap = await started.track(startTap(new URL(emulator.url)), (t) => t.close());
            return `${tap.origin}${apiPath}`;
          },
        }),
        (d) => d.close(),
      ),
    ]);
  });

  const nextPost = (): Promise<TappedConnection> => {
    if (tap === undefined) throw new Error('the demo started without its tap');
    return tap.nextPost();
  };

  after(() => started.stopAll());

  it('bundles the relay client (fetch, eventsource-parser) and nothing of Node, the server or the emulator', () => {
    expect(
      demo.bundleInputs.filter((input) => /lib\/provider\/relayProvider\.ts|eventsource-parser/.test(input)),
    ).to.have.length(2);
    expect(
      demo.bundleInputs.filter((input) =>
        /agents\.ts|axiosTransport\.ts|proxy-agent|^node:|lib\/server\/|lib\/emulator\//.test(input),
      ),
    ).to.deep.equal([]);
  });

  it('the page is given the relay’s address and its token, on another origin, and never the service’s', async () => {
    const html = await (await fetch(demo.url)).text();
    expect(html).to.include(`<meta name="yq-relay" content="${demo.relayUrl}"`);
    expect(html).to.include(`<meta name="yq-token" content="${demoToken}"`);
    expect(new URL(demo.relayUrl).origin).to.not.equal(new URL(demo.url).origin);
    expect(html).to.not.include(demo.emulator.url);
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
        expect(final.startsWith(partial.text), partial.text).to.equal(true);
        if (i > 0) expect(partial.text.length).to.be.greaterThan(seen[i - 1]?.text.length ?? 0);
      }
      // `bufferText({ boundary: 'word' })`: a partial never ends inside a word.
      expect(
        insideWords(
          final,
          partials.map((s) => s.text),
        ),
      ).to.deep.equal([]);
      expect(shown.pendingShown).to.equal(false);
    });

    it('Stop aborts the fetch, the relay closes the emulator’s socket, and the partial reply is kept', async () => {
      const post = nextPost();
      await ask(page, 'Please stop me');
      const connection = await post;
      await replyShowing(page, 12);
      expect((await screen(page)).stopEnabled).to.equal(true);
      await page.click('#stop');

      expect(await within(connection.closed, 3000)).to.not.equal('deadline');
      await page.waitForSelector('#status[data-status="idle"]', { timeout: 5000 });
      const shown = await screen(page);
      const kept = shown.messages.at(-1);
      expect(shown.messages.map((m) => m.role)).to.deep.equal(['user', 'assistant']);
      expect(kept?.text).to.match(/^You said: "Please/);
      expect(kept?.text).to.not.include('你好'); // the reply ends with these; it was cut well before
      expect(shown.pendingShown).to.equal(false);
      expect(shown.stopEnabled).to.equal(false);
      const saved = JSON.parse((await page.evaluate((key) => localStorage.getItem(key), storageKey)) ?? 'null') as {
        message_history: ReadonlyArray<{ content: string }>;
      };
      expect(saved.message_history.map((m) => m.content)).to.deep.equal(['Please stop me', kept?.text]);
    });

    it('a second prompt mid-reply cancels the first: the emulator’s socket for it closes, only the second reply completes', async () => {
      const firstPost = nextPost();
      await ask(page, 'First question');
      const first = await firstPost;
      await replyShowing(page, 12);

      const secondPost = nextPost();
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

    /** The `GET`s (resumes) the page sends to the relay from now on. */
    const resumesSent = (on: Page): (() => number) => {
      let count = 0;
      on.on('request', (request) => {
        if (request.method() === 'GET' && request.url() === demo.relayUrl) count += 1;
      });
      return () => count;
    };

    const savedReply = (on: Page): Promise<{ content: string; lastEventId: string; text: string } | null> =>
      on.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null'), replyKey);

    it('a reload in the middle of a reply continues it: exactly the unbroken reply, one request to the service', async () => {
      const question = 'Reload me in the middle';
      const unbroken = defaultReply(question, { system: '', userId: '#/chat/1', history: [] });
      const posts = tap?.posts.length ?? 0;
      const resumes = resumesSent(page);
      await ask(page, question);
      await replyShowing(page, 24);
      const saved = await savedReply(page);
      expect(saved?.content).to.equal(question);
      // Cut well inside the reply: what was kept is a strict beginning of it.
      expect(unbroken.startsWith(saved?.text ?? '-'), saved?.text).to.equal(true);
      expect(saved?.text.length).to.be.within(1, unbroken.length - 40);

      await page.reload();
      await repliesDone(page, 1);
      const shown = await screen(page);
      expect(shown.messages).to.deep.equal([
        { role: 'user', text: question },
        { role: 'assistant', text: unbroken },
      ]);
      expect(shown.errorShown).to.equal(false);
      expect((tap?.posts.length ?? 0) - posts, 'POSTs that reached the service').to.equal(1);
      expect(resumes(), 'resumes sent by the reloaded page').to.equal(1);
      expect(await savedReply(page)).to.equal(null);

      // The conversation the resumed reply returned goes on.
      await ask(page, 'And after the reload?');
      await repliesDone(page, 2);
      expect((await screen(page)).messages[3]?.text).to.match(
        /^You said: "And after the reload\?"\. This is turn 2 of our conversation\. Earlier you said: "Reload me in the middle"\./,
      );
    });

    it('a reload after the reply ended shows the conversation and resumes nothing', async () => {
      const resumes = resumesSent(page);
      await ask(page, 'Finish first');
      await repliesDone(page, 1);
      const before = await screen(page);
      expect(await savedReply(page)).to.equal(null);

      await page.reload();
      await page.waitForFunction(() => document.querySelectorAll('#messages li').length === 2, undefined, {
        timeout: 5000,
      });
      const after = await screen(page);
      expect(after.messages).to.deep.equal(before.messages);
      expect(after.status).to.equal('idle');
      expect(after.errorShown).to.equal(false);
      expect(resumes()).to.equal(0);
    });

    it('a reply the relay no longer has: what was kept is shown with one explanation, and the next load is quiet', async () => {
      // What a page that went away mid-reply kept, for a reply the relay has forgotten (expired).
      await page.evaluate(([key, value]) => localStorage.setItem(key, value), [
        replyKey,
        JSON.stringify({
          content: 'Where did it go?',
          replyId: 'AAAAAAAAAAAAAAAAAAAAAAAA',
          lastEventId: 'AAAAAAAAAAAAAAAAAAAAAAAA.1733580000000-3',
          text: 'You said: "Where',
        }),
      ] as const);
      const resumes = resumesSent(page);
      await page.reload();
      await page.waitForSelector('#error:not([hidden])', { timeout: 10_000 });
      const shown = await screen(page);
      expect(shown.messages).to.deep.equal([
        { role: 'user', text: 'Where did it go?' },
        { role: 'assistant', text: 'You said: "Where' },
      ]);
      expect(shown.error).to.equal(describeError(withPartialText('You said: "Where')(networkError('EGONE', 'gone'))));
      expect(shown.error).to.match(/^The reply could not be continued: the relay no longer has it/);
      expect(resumes()).to.equal(1);
      expect(await savedReply(page)).to.equal(null);

      await page.reload();
      await page.waitForFunction(() => document.querySelectorAll('#messages li').length === 2, undefined, {
        timeout: 5000,
      });
      const again = await screen(page);
      expect(again.messages.map((m) => m.text)).to.deep.equal(['Where did it go?', 'You said: "Where']);
      expect(again.errorShown).to.equal(false);
      expect(resumes()).to.equal(1);
    });

    it('a ban injected behind the relay arrives as Blocked and is explained in words; no reply is shown', async () => {
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

    it('a page with a wrong token is told it is not authorised, and nothing reaches the emulator', async () => {
      // The same page, given another token, as a page of another deployment would be.
      const wrong = await browser.newPage();
      try {
        await wrong.route(demo.url, async (route) => {
          const response = await route.fetch();
          const html = (await response.text()).replace(`content="${demoToken}"`, 'content="not-the-token"');
          await route.fulfill({ response, body: html });
        });
        await wrong.goto(demo.url);
        await wrong.waitForSelector('#status[data-status="idle"]');
        const before = demo.emulator.requests.length;
        await ask(wrong, 'Let me in');
        await wrong.waitForSelector('#error:not([hidden])', { timeout: 10_000 });

        const shown = await screen(wrong);
        expect(shown.error).to.equal(describeError(httpError(401, '')));
        expect(shown.error).to.match(/^Not authorised \(HTTP 401\): the relay did not accept this page's token/);
        expect(shown.status).to.equal('error');
        expect(shown.messages).to.deep.equal([{ role: 'user', text: 'Let me in' }]);
        expect(demo.emulator.requests.length).to.equal(before);
      } finally {
        await wrong.close();
      }
    });

    it('the same page on an origin the relay does not allow cannot reach it (CORS), and nothing reaches the emulator', async () => {
      // localhost is another origin than 127.0.0.1: the relay's allow-list has only the latter.
      const elsewhere = await browser.newPage();
      try {
        await elsewhere.goto(demo.url.replace('127.0.0.1', 'localhost'));
        await elsewhere.waitForSelector('#status[data-status="idle"]');
        const before = demo.emulator.requests.length;
        await ask(elsewhere, 'From elsewhere');
        await elsewhere.waitForSelector('#error:not([hidden])', { timeout: 10_000 });
        const shown = await screen(elsewhere);
        // The browser hides a refusal the page's origin may not read: fetch just fails.
        expect(shown.error).to.match(/^The relay or the service behind it could not be reached/);
        expect(shown.messages).to.deep.equal([{ role: 'user', text: 'From elsewhere' }]);
        expect(demo.emulator.requests.length).to.equal(before);
      } finally {
        await elsewhere.close();
      }
    });

    it('a Chinese reply through bufferText({ boundary: "word" }) grows in at least three steps, whole words each', async () => {
      await page.evaluate(() => {
        const pending = document.querySelector('#pending') as HTMLElement;
        const seen: Array<string> = [];
        (globalThis as unknown as { seen: typeof seen }).seen = seen;
        new MutationObserver(() => {
          const text = pending.textContent ?? '';
          if (text !== '' && text !== seen.at(-1)) seen.push(text);
        }).observe(pending, { childList: true, characterData: true, subtree: true });
      });
      await ask(page, '流式传输是什么？');
      await repliesDone(page, 1);

      const seen = await page.evaluate(() => (globalThis as unknown as { seen: Array<string> }).seen);
      const final = (await screen(page)).messages.at(-1)?.text ?? '';
      expect(final).to.match(/^你问：「流式传输是什么？」。这是我们对话的第1轮。.*你好，世界🌏。$/);
      expect(final).to.not.match(/\s/);
      const partials = seen.filter((text) => text !== final);
      expect(partials.length, JSON.stringify(seen)).to.be.at.least(3);
      for (const [i, partial] of partials.entries()) {
        expect(final.startsWith(partial), partial).to.equal(true);
        if (i > 0) expect(partial.length).to.be.greaterThan(partials[i - 1]?.length ?? 0);
      }
      expect(insideWords(final, partials, 'zh')).to.deep.equal([]);
    });
  });
});
