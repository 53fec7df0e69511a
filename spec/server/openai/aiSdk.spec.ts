import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, streamText } from 'ai';
import { expect } from 'chai';
import { apiKey, startOpenAIEndpoint, type OpenAIEndpoint } from './support.js';

// A second, independent client: the AI SDK (`ai` 5, `@ai-sdk/openai-compatible` 1).
describe('OpenAI-compatible endpoint with the AI SDK', function () {
  this.timeout(20_000);
  let endpoint: OpenAIEndpoint | undefined;

  before(async () => {
    endpoint = await startOpenAIEndpoint();
  });

  after(async () => {
    await endpoint?.close();
  });

  const yqcloud = (key = apiKey) =>
    createOpenAICompatible({ name: 'yqcloud', baseURL: endpoint?.baseURL ?? '', apiKey: key });

  it('streamText streams the reply in several deltas and finishes with stop', async () => {
    const result = streamText({ model: yqcloud()('gpt-4'), system: 'Be brief', prompt: 'Hello', maxRetries: 0 });
    const deltas: Array<string> = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).to.be.greaterThan(3);
    expect(deltas.join('')).to.include('You said: "Hello".').and.include('I was told: "Be brief".');
    expect(await result.finishReason).to.equal('stop');
    expect(endpoint?.emulator.requests.at(-1)?.payload).to.include({ system: 'Be brief', prompt: 'Hello' });
  });

  it('generateText gets the whole reply from stream: false', async () => {
    const { text, finishReason } = await generateText({ model: yqcloud()('gpt-4'), prompt: 'Hi', maxRetries: 0 });
    expect(text).to.include('You said: "Hi".');
    expect(finishReason).to.equal('stop');
  });

  it('a failure after text reaches streamText as an error part', async () => {
    endpoint?.emulator.injectFault({ kind: 'reset', afterChars: 12 });
    const errors: Array<unknown> = [];
    const result = streamText({
      model: yqcloud()('gpt-4'),
      prompt: 'Hello',
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    let text = '';
    for await (const part of result.fullStream) if (part.type === 'text-delta') text += part.text;
    expect(text.length).to.be.greaterThan(0);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.deep.include({ type: 'upstream_error', code: 'upstream_network' });
  });

  it('a bad token is an APICallError with status 401', async () => {
    const error = await generateText({ model: yqcloud('sk-wrong')('gpt-4'), prompt: 'Hi', maxRetries: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.have.property('statusCode', 401);
    expect(error).to.have.property('message').that.includes('unauthorized');
  });
});
