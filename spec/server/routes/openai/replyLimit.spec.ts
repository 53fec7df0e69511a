import { ChatOpenAI } from '@langchain/openai';
import { expect } from 'chai';
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import OpenAI, { type BadRequestError } from 'openai';
import { eventually } from '../../../support/eventually.js';
import { limitEnd, limitStart, limitText, type ReplyLimit } from '../../../../lib/server/routes/openai/replyLimit.js';
import { loadTokenCounter, type TokenCounter } from '../../../../lib/server/routes/openai/usage.js';
import { apiKey, useOpenAIEndpoint } from '../../openai/support.js';

const plainText = { disallowedSpecial: new Set<string>() };
const tokens = (text: string): number => countTokens(text, plainText);

/** The text sent for `pieces` through `limit`, and why it ended (`undefined`: it did not). */
const through = (limit: ReplyLimit, pieces: ReadonlyArray<string>): { text: string; end: string | undefined } => {
  let state = limitStart;
  let text = '';
  for (const piece of pieces) {
    const step = limitText(limit, state, piece);
    state = step.state;
    text += step.text;
    if (step.end !== undefined) return { text, end: step.end };
  }
  const last = limitEnd(limit, state);
  return { text: text + last.text, end: last.end };
};

/** `text` cut into pieces of `size` code points (as the provider's chunks come: whole characters). */
const pieces = (text: string, size: number): Array<string> => {
  const points = Array.from(text);
  const out: Array<string> = [];
  for (let i = 0; i < points.length; i += size) out.push(points.slice(i, i + size).join(''));
  return out;
};

describe('server/openai: stop and max_tokens', () => {
  let counter: TokenCounter;
  before(async () => {
    counter = await loadTokenCounter();
  });

  describe('replyLimit (pure)', () => {
    const stopOnly = (...stop: Array<string>): ReplyLimit => ({ stop, maxTokens: undefined, counter: undefined });

    it('cuts before the first stop sequence, never sending it, even when it straddles pieces', () => {
      expect(through(stopOnly('END'), ['Hello E', 'N', 'D and more'])).to.deep.equal({ text: 'Hello ', end: 'stop' });
      for (let size = 1; size <= 8; size++)
        expect(through(stopOnly('\n\n', 'STOP'), pieces('one two\nthree STOP four\n\nfive', size))).to.deep.equal({
          text: 'one two\nthree ',
          end: 'stop',
        });
    });

    it('sends what only looked like a stop sequence once the next piece says so, and at the end', () => {
      const limit = stopOnly('END');
      const first = limitText(limit, limitStart, 'say E');
      expect(first.text).to.equal('say ');
      expect(first.state.held).to.equal('E');
      expect(limitText(limit, first.state, 'NTER').text).to.equal('ENTER');
      expect(through(limit, ['the E', 'N'])).to.deep.equal({ text: 'the EN', end: undefined });
      expect(through(stopOnly('aab'), ['aaaa', 'ab!'])).to.deep.equal({ text: 'aaa', end: 'stop' });
    });

    it('sends the longest start within max_tokens, whatever the pieces, and never half a character', () => {
      const reply = 'Hello world, this is a reply of a few tokens: 你好，世界 🌏 and then some more text after it.';
      for (const maxTokens of [1, 2, 5, 13, 20]) {
        for (const size of [1, 3, 7, 1000]) {
          const { text, end } = through({ stop: [], maxTokens, counter }, pieces(reply, size));
          const at = `${maxTokens} tokens, pieces of ${size}: ${JSON.stringify(text)}`;
          expect(end).to.equal('length');
          expect(reply.startsWith(text), at).to.equal(true);
          expect(tokens(text), at).to.be.at.most(maxTokens);
          // Cut at most one word short: the text up to the next space passes max_tokens.
          const nextSpace = reply.indexOf(' ', text.length + 1);
          expect(tokens(reply.slice(0, nextSpace === -1 ? reply.length : nextSpace)), at).to.be.above(maxTokens);
          expect(text, at).to.not.match(/[\ud800-\udbff]$/);
        }
      }
      expect(through({ stop: [], maxTokens: 1000, counter }, pieces(reply, 5))).to.deep.equal({
        text: reply,
        end: undefined,
      });
    });

    it('with both, the first cut wins', () => {
      const both = (maxTokens: number): ReplyLimit => ({ stop: ['STOP'], maxTokens, counter });
      expect(through(both(100), ['one two STOP three'])).to.deep.equal({ text: 'one two ', end: 'stop' });
      expect(through(both(1), ['one two STOP three'])).to.deep.equal({ text: 'one', end: 'length' });
    });
  });

  describe('the endpoint, with the real clients', function () {
    this.timeout(20_000);
    const reply = 'Alpha beta gamma. Delta STOP epsilon. Zeta eta theta iota kappa lambda mu nu xi omicron pi.';
    // Three characters a piece: "STOP" straddles two of them.
    const endpoint = useOpenAIEndpoint({ reply: () => reply, pieceChars: 3, delayMs: 5 });
    let client: OpenAI;
    before(() => {
      client = new OpenAI({ apiKey, baseURL: endpoint().baseURL, maxRetries: 0 });
    });
    const emulator = () => endpoint().emulator;
    const messages = [{ role: 'user' as const, content: 'Go' }];

    it('openai, stream: false: cut before stop (finish_reason stop), at max_tokens (finish_reason length)', async () => {
      const stopped = await client.chat.completions.create({ model: 'gpt-4', messages, stop: ['STOP', 'never'] });
      expect(stopped.choices[0]?.message.content).to.equal('Alpha beta gamma. Delta ');
      expect(stopped.choices[0]?.finish_reason).to.equal('stop');
      expect(stopped.usage?.completion_tokens).to.equal(tokens('Alpha beta gamma. Delta '));
      const cut = await client.chat.completions.create({ model: 'gpt-4', messages, max_tokens: 4 });
      expect(cut.choices[0]?.finish_reason).to.equal('length');
      expect(cut.choices[0]?.message.content).to.equal('Alpha beta gamma.');
      expect(cut.usage?.completion_tokens).to.equal(4);
      const smaller = await client.chat.completions.create({
        model: 'gpt-4',
        messages,
        max_tokens: 50,
        max_completion_tokens: 2,
      });
      expect(smaller.choices[0]?.message.content).to.equal('Alpha beta');
      const whole = await client.chat.completions.create({ model: 'gpt-4', messages, max_tokens: 1000, stop: 'nope' });
      expect(whole.choices[0]?.message.content).to.equal(reply);
      expect(whole.choices[0]?.finish_reason).to.equal('stop');
    });

    it('openai, stream: true: the stop sequence is never streamed; max_tokens ends with length and closes the service request', async () => {
      const stream = await client.chat.completions.create({ model: 'gpt-4', messages, stream: true, stop: 'STOP' });
      let text = '';
      const reasons: Array<string | null | undefined> = [];
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        reasons.push(chunk.choices[0]?.finish_reason);
      }
      expect(text).to.equal('Alpha beta gamma. Delta ');
      expect(reasons.at(-1)).to.equal('stop');

      emulator().injectFault({ kind: 'slow', delayMs: 200 });
      const started = Date.now();
      const limited = await client.chat.completions.create({
        model: 'gpt-4',
        messages,
        stream: true,
        max_tokens: 2,
        stream_options: { include_usage: true },
      });
      const chunks: Array<OpenAI.Chat.Completions.ChatCompletionChunk> = [];
      for await (const chunk of limited) chunks.push(chunk);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).to.equal('Alpha beta');
      expect(chunks.at(-2)?.choices[0]?.finish_reason).to.equal('length');
      expect(chunks.at(-1)?.usage?.completion_tokens).to.equal(2);
      // 31 pieces 200 ms apart would take 6 s: the request to the service was let go at the cut.
      await eventually(() => emulator().openConnections() === 0);
      expect(Date.now() - started).to.be.below(3_000);
    });

    it('refuses bad values with a 400 naming the parameter, before anything is sent', async () => {
      const before = emulator().requests.length;
      const cases: ReadonlyArray<[Record<string, unknown>, string]> = [
        [{ max_tokens: 0 }, 'max_tokens'],
        [{ max_tokens: 2.5 }, 'max_tokens'],
        [{ max_completion_tokens: '10' }, 'max_completion_tokens'],
        [{ stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
        [{ stop: '' }, 'stop'],
        [{ stop: 'x'.repeat(1025) }, 'stop'],
        [{ stop: [1] }, 'stop'],
        // More variants than the first list.
        [{ max_tokens: -1 }, 'max_tokens'],
        [{ max_tokens: '10' }, 'max_tokens'],
        [{ max_tokens: 2 ** 53 }, 'max_tokens'],
        [{ max_tokens: true }, 'max_tokens'],
        [{ max_tokens: [10] }, 'max_tokens'],
        [{ max_completion_tokens: 0 }, 'max_completion_tokens'],
        [{ stop: [''] }, 'stop'],
        [{ stop: ['ok', ''] }, 'stop'],
        [{ stop: ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(3)) }, 'stop'],
        [{ stop: 'x'.repeat(10_000) }, 'stop'],
        [{ stop: ['x'.repeat(10_000)] }, 'stop'],
        [{ stop: { 0: 'a' } }, 'stop'],
      ];
      for (const [extra, param] of cases) {
        const refused = await client.chat.completions
          .create({
            model: 'gpt-4',
            messages,
            ...extra,
          } as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming)
          .then(
            () => expect.fail(`accepted ${JSON.stringify(extra)}`),
            (e: unknown) => e as BadRequestError,
          );
        expect(refused.status, JSON.stringify(extra)).to.equal(400);
        expect(refused.param, JSON.stringify(extra)).to.equal(param);
      }
      expect(emulator().requests.length).to.equal(before);
    });

    it('accepts the largest values: max_tokens 1e12 and four stop sequences of 1024 characters that never come', async () => {
      const whole = await client.chat.completions.create({
        model: 'gpt-4',
        messages,
        max_tokens: 1e12,
        stop: ['A', 'l', 'p', 'h'].map((c) => `${c}${'\u00e9'.repeat(1023)}`),
      });
      expect(whole.choices[0]?.message.content).to.equal(reply);
      expect(whole.choices[0]?.finish_reason).to.equal('stop');
    });

    it('LangChain ChatOpenAI: stop and maxTokens are honoured', async () => {
      const chat = new ChatOpenAI({
        model: 'gpt-4',
        apiKey,
        configuration: { baseURL: endpoint().baseURL },
        maxRetries: 0,
      });
      const stopped = await chat.invoke('Go', { stop: ['STOP'] });
      expect(stopped.content).to.equal('Alpha beta gamma. Delta ');
      const short = new ChatOpenAI({
        model: 'gpt-4',
        apiKey,
        configuration: { baseURL: endpoint().baseURL },
        maxRetries: 0,
        maxTokens: 3,
      });
      const cut = await short.invoke('Go');
      expect(cut.content).to.equal('Alpha beta gamma');
      expect(cut.response_metadata.finish_reason).to.equal('length');
    });
  });
});
