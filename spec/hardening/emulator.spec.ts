/**
 * Issue #11, the emulator as a long-running server: its request log is a bounded window (the
 * last 1,000 by default, configurable), and a reply the client cancelled is remembered as far
 * as it was sent, so the conversation's next turn has the right number.
 */
import { expect } from 'chai';
import { Conversation } from '../../lib/core/conversation.js';
import { startEmulator, type Emulator } from '../../lib/emulator/index.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { collect } from '../support/collect.js';

const post = (emulator: Emulator, prompt: string): Promise<string> =>
  fetch(emulator.apiEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt, userId: '#/chat/1', network: true, system: '', withoutContext: true, stream: true }),
  }).then((r) => r.text());

describe('hardening: the emulator as a long-running server', function () {
  this.timeout(30_000);
  let emulators: Array<Emulator> = [];
  const start = async (options: Parameters<typeof startEmulator>[0]): Promise<Emulator> => {
    const emulator = await startEmulator(options);
    emulators.push(emulator);
    return emulator;
  };
  afterEach(async () => {
    await Promise.all(emulators.map((e) => e.close()));
    emulators = [];
  });

  describe('the request log is a bounded window', () => {
    it('keeps the last maxRequests requests, in order', async () => {
      const emulator = await start({ delayMs: 0, maxRequests: 5 });
      for (let i = 0; i < 8; i++) await post(emulator, `p${i}`);
      expect(emulator.requests.map((r) => r.payload?.prompt)).to.deep.equal(['p3', 'p4', 'p5', 'p6', 'p7']);
    });

    it('keeps the last 1,000 by default (refusals included)', async () => {
      const emulator = await start({ delayMs: 0 });
      const agentless = async (i: number): Promise<void> => {
        const r = await fetch(emulator.apiEndpoint, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: String(i),
        });
        await r.arrayBuffer();
      };
      for (let i = 0; i < 1_010; i++) await agentless(i);
      expect(emulator.requests).to.have.length(1_000);
      expect(emulator.requests.every((r) => r.status === 400)).to.equal(true);
    });

    it('refuses a maxRequests that is not a positive integer', async () => {
      for (const bad of [0, -1, 1.5, Number.NaN]) {
        let error: unknown;
        try {
          await start({ maxRequests: bad });
        } catch (e) {
          error = e;
        }
        expect(error, String(bad)).to.be.instanceOf(TypeError);
        expect((error as Error).message).to.include('maxRequests');
      }
    });
  });

  describe('a cancelled reply is remembered as far as the client received it', () => {
    it('the next turn of the conversation is turn 2, and the first turn holds the sent start', async () => {
      const emulator = await start({ delayMs: 40, pieceChars: 3 });
      const provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint });
      const conversation = Conversation.make('gpt-4', () => 1_700_000_000_000);
      try {
        await new Promise<void>((resolve) => {
          const subscription = provider
            .create({ messages: [{ role: 'user', content: 'First' }], conversation })
            .subscribe((chunk) => {
              if (chunk.type === 'text') {
                subscription.unsubscribe();
                resolve();
              }
            });
        });
        // The server sees the socket close a moment after the client lets go.
        const deadline = Date.now() + 5_000;
        while (!emulator.conversations().includes(conversation.userId) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        expect(emulator.conversations()).to.include(conversation.userId);
        const { values } = await collect(
          provider.create({ messages: [{ role: 'user', content: 'Second' }], conversation }),
        );
        const text = values.map((c) => (c.type === 'text' ? c.text : '')).join('');
        expect(text).to.include('This is turn 2 of our conversation.');
        expect(text).to.include('Earlier you said: "First".');
      } finally {
        provider.destroy();
      }
    });
  });
});
