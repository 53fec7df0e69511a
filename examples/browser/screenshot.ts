/**
 * `npx tsx examples/browser/screenshot.ts`: writes `docs/demo.png`, the demo mid-reply. It starts
 * the demo (page, relay, emulator), has a first reply stopped in headless Chromium, asks a second
 * question and takes the picture while that reply is still streaming in.
 *
 * The browser is the browser specs' (`CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`, else the
 * Chromium inside `@sparticuz/chromium`).
 */
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumPath } from '../../spec/browser/support.js';
import { startDemo } from './server.js';

const output = fileURLToPath(new URL('../../docs/demo.png', import.meta.url));

const demo = await startDemo();
const browser = await chromium.launch({
  executablePath: (await chromiumPath()).path,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 640 }, deviceScaleFactor: 1 });
  await page.goto(demo.url);

  const ask = async (prompt: string): Promise<void> => {
    await page.fill('#prompt', prompt);
    await page.press('#prompt', 'Enter');
  };

  // A first turn, stopped after its first sentences (the kept part stays as the assistant's turn;
  // stopping before the reply's closing Chinese also spares machines without CJK fonts).
  await ask('What does yqcloud-rx do?');
  await page.waitForFunction(() => (document.querySelector('#pending')?.textContent ?? '').length >= 110, undefined, {
    timeout: 15_000,
    polling: 'raf',
  });
  await page.click('#stop');
  await page.waitForSelector('#status[data-status="idle"]', { timeout: 15_000 });

  // A second one, caught mid-reply: well into the reply, far from its end.
  await ask('And why stream a reply?');
  await page.waitForFunction(() => (document.querySelector('#pending')?.textContent ?? '').length >= 90, undefined, {
    timeout: 15_000,
    polling: 'raf',
  });
  await page.screenshot({ path: output, animations: 'disabled', caret: 'hide' });
  console.log(`wrote ${output}`);
} finally {
  await browser.close();
  await demo.close();
}
