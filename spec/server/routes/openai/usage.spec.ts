import { expect } from 'chai';
import fc from 'fast-check';
import { countTokens, encodeChat } from 'gpt-tokenizer/encoding/cl100k_base';
import {
  addText,
  emptyTextCount,
  loadTokenCounter,
  promptTokens,
  textTokens,
  usageChunk,
  usageOf,
  type TokenCounter,
} from '../../../../lib/server/routes/openai/usage.js';

/** Text whose pieces cross every kind of place the pre-tokenizer cares about. */
const replyArb: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom('Hello', 'world', "it's", "we'll", 'naïve', 'ÉCOLE', '你好', '世界', '𝐀𝐁', 'ab'),
      fc.constantFrom(' ', '  ', '\n', '\n\n', ' \n ', '\t', ',', '.', '，', '。', '!?', "'", '-', '…'),
      fc.constantFrom('1', '42', '12345', '3.14', '😀', '👍🏽', '<|endoftext|>', '```ts', '**', '#'),
      fc.string({ unit: 'binary', maxLength: 6 }),
    ),
    { maxLength: 60 },
  )
  .map((pieces) => pieces.join(''));

/** `text` cut at the given places (code points kept whole or not: the stream may cut anywhere the decoder does). */
const cut = (text: string, places: ReadonlyArray<number>): ReadonlyArray<string> => {
  const points = [...text];
  const at = [...new Set(places.map((p) => p % (points.length + 1)))].sort((a, b) => a - b);
  return [0, ...at].map((start, i) => points.slice(start, at[i] ?? points.length).join('')).filter((p) => p !== '');
};

describe('usage: tokens counted with cl100k_base', () => {
  let counter: TokenCounter;

  before(async () => {
    counter = await loadTokenCounter();
  });

  it('counts text as plain text, special-token look-alikes included', () => {
    expect(counter.count('Hello world')).to.equal(2);
    expect(counter.count('')).to.equal(0);
    expect(counter.count('a <|endoftext|> b')).to.be.greaterThan(3);
  });

  it('shares one import between callers', async () => {
    expect(await loadTokenCounter()).to.equal(counter);
  });

  it('counts the prompt as the tokenizer encodes a GPT-4 chat', () => {
    const chats = [
      [{ role: 'user', content: 'hi' }],
      [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'What is 2 + 2?' },
        { role: 'assistant', content: 'Four.' },
        { role: 'user', content: 'And in French, with a long explanation of why, please?' },
      ],
    ] as const;
    for (const chat of chats) expect(promptTokens(counter, chat)).to.equal(encodeChat(chat, 'gpt-4').length);
    expect(promptTokens(counter, [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }])).to.equal(8);
  });

  it('counts a streamed reply as its whole text, however it is cut, keeping only an unsettled tail', () => {
    fc.assert(
      fc.property(replyArb, fc.array(fc.nat(), { maxLength: 20 }), (text, places) => {
        const pieces = cut(text, places);
        let count = emptyTextCount;
        for (const piece of pieces) count = addText(counter, count, piece);
        expect(textTokens(counter, count)).to.equal(countTokens(text, { disallowedSpecial: new Set() }));
      }),
      { numRuns: 400 },
    );
  });

  it('stays exact on long text cut into slices where tokens end', () => {
    fc.assert(
      fc.property(fc.array(replyArb, { minLength: 20, maxLength: 40 }), (parts) => {
        const text = parts.join(' and ');
        expect(counter.count(text)).to.equal(countTokens(text, { disallowedSpecial: new Set() }));
      }),
      { numRuns: 50 },
    );
  });

  it('bounds the work on a run with no place a token ends: an estimate within 1%', () => {
    for (const run of ['x'.repeat(20_000), '你好世界'.repeat(5_000), '='.repeat(20_000), '7'.repeat(20_000)]) {
      const exact = countTokens(run, { disallowedSpecial: new Set() });
      expect(Math.abs(counter.count(run) - exact), run.slice(0, 4)).to.be.at.most(Math.ceil(exact / 100));
    }
  });

  it('extrapolates past 1 MiB of a reply, and 64 KiB of a prompt, at the rate counted so far', () => {
    const sentence = 'The quick brown fox jumps over the lazy dog, 你好，世界。\n';
    const reply = sentence.repeat(Math.ceil((2 * 1024 * 1024) / sentence.length));
    let count = emptyTextCount;
    for (let i = 0; i < reply.length; i += 4096) count = addText(counter, count, reply.slice(i, i + 4096));
    const exact = countTokens(reply, { disallowedSpecial: new Set() });
    expect(Math.abs(textTokens(counter, count) - exact)).to.be.at.most(Math.ceil(exact / 100));
    const prompt = sentence.repeat(Math.ceil((256 * 1024) / sentence.length));
    const exactPrompt = encodeChat([{ role: 'user', content: prompt }], 'gpt-4').length;
    expect(Math.abs(promptTokens(counter, [{ role: 'user', content: prompt }]) - exactPrompt)).to.be.at.most(
      Math.ceil(exactPrompt / 100),
    );
  });

  it('keeps no more of a long reply than its last unsettled piece', () => {
    let count = emptyTextCount;
    for (let i = 0; i < 2000; i++) count = addText(counter, count, `word${i}, and more `);
    expect(count.pending.length).to.be.below(20);
    let cjk = emptyTextCount;
    for (let i = 0; i < 3000; i++) cjk = addText(counter, cjk, '你好世界');
    expect(cjk.pending.length).to.be.at.most(16_384);
  });

  it('has OpenAI’s shapes: usage, and a stream’s last chunk with no choice', () => {
    expect(usageOf(8, 5)).to.deep.equal({ prompt_tokens: 8, completion_tokens: 5, total_tokens: 13 });
    expect(usageChunk({ id: 'chatcmpl-1', created: 1, model: 'gpt-4' }, usageOf(8, 5))).to.deep.equal({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4',
      choices: [],
      usage: { prompt_tokens: 8, completion_tokens: 5, total_tokens: 13 },
    });
  });
});
