import { expect } from 'chai';
import fc from 'fast-check';
import { Conversation } from '../../lib/core/conversation.js';
import { YqcloudError } from '../../lib/core/error.js';
import type { Message } from '../../lib/core/message.js';
import { startEmulator, type Emulator } from '../../lib/emulator/index.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { collect } from '../support/collect.js';

const limit = 200;
const long = (n: number): Message[] =>
  Array.from(
    { length: n },
    (_, i): Message => ({
      role: i % 2 === 0 ? 'user' : 'assistant',
      content: `${i % 2 === 0 ? 'question' : 'answer'} ${i}: ${'字'.repeat(20)}`,
    }),
  );

describe('history budget, end to end against the emulator prompt limit', () => {
  let emulator: Emulator;
  let provider: YqcloudProvider;

  before(async () => {
    emulator = await startEmulator({ delayMs: 0, pieceChars: 64, promptLimit: { maxChars: limit } });
    provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint });
  });
  after(async () => {
    provider?.destroy();
    await emulator?.close();
  });

  const conversationOf = (history: ReadonlyArray<Message>): Conversation =>
    Conversation.withHistory([{ role: 'system', content: 'Be brief' }, ...history])(
      Conversation.make('gpt-4', () => 1),
    );

  it('without a budget a long conversation is refused with HTTP 413 before any text', async () => {
    const { values, error } = await collect(
      provider.create({ messages: [{ role: 'user', content: 'and now?' }], conversation: conversationOf(long(12)) }),
    );
    expect(values).to.have.length(0);
    expect(error).to.be.instanceOf(YqcloudError).and.include({ kind: 'Http', status: 413, partialText: '' });
    expect(emulator.requests.at(-1)).to.include({ status: 413 });
  });

  it('with historyBudget.maxChars at the limit the same conversation is answered; the prompt holds the newest turns and the question', async () => {
    const { error, values } = await collect(
      provider.create({
        messages: [{ role: 'user', content: 'and now?' }],
        conversation: conversationOf(long(12)),
        historyBudget: { maxChars: limit },
        returnConversation: true,
      }),
    );
    expect(error).to.equal(undefined);
    const sent = emulator.requests.at(-1)?.payload;
    expect(sent?.prompt.length).to.be.at.most(limit);
    expect(sent?.prompt).to.include('User: and now?').and.include('answer 11').and.not.include('question 0');
    expect(sent?.system).to.equal('Be brief');
    // the conversation keeps the whole history; only the prompt was trimmed
    const returned = values.find((c) => c.type === 'conversation');
    expect(returned?.type === 'conversation' ? returned.conversation.messageHistory : []).to.have.length(1 + 12 + 2);
  });

  it('refuses a bad budget with InvalidRequest before sending anything', async () => {
    const before = emulator.requests.length;
    const { error } = await collect(
      provider.create({ messages: [{ role: 'user', content: 'Hi' }], historyBudget: { maxChars: -1 } }),
    );
    expect(error).to.be.instanceOf(YqcloudError).and.include({ kind: 'InvalidRequest' });
    expect(emulator.requests).to.have.length(before);
  });

  const runs = 25;
  it(`property: with maxChars at the limit any conversation is answered, its prompt within the limit and ending with the question (${runs} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }), { minLength: 1, maxLength: 12 }),
        fc.option(fc.nat({ max: 10 }), { nil: undefined }),
        async (contents, maxMessages) => {
          const history = contents.map(
            (content, i): Message => ({ role: i % 2 === 0 ? 'user' : 'assistant', content }),
          );
          const { error } = await collect(
            provider.create({
              messages: [{ role: 'user', content: 'Go on' }],
              conversation: conversationOf(history),
              historyBudget: { maxChars: limit, maxMessages },
            }),
          );
          expect(error).to.equal(undefined);
          const prompt = emulator.requests.at(-1)?.payload?.prompt ?? '';
          expect(prompt.length).to.be.at.most(limit);
          expect(prompt === 'Go on' || prompt.endsWith('User: Go on\nAssistant:'), prompt).to.equal(true);
        },
      ),
      { numRuns: runs },
    );
  });
});
