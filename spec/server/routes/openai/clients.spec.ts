import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatOpenAI } from '@langchain/openai';
import { OpenAI as LlamaIndexOpenAI } from '@llamaindex/openai';
import { APICallError, generateText, jsonSchema, streamText, tool } from 'ai';
import { expect } from 'chai';
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import OpenAI from 'openai';
import { z } from 'zod';
import { apiKey, startOpenAIEndpoint, type OpenAIEndpoint } from '../../openai/support.js';

const plainText = { disallowedSpecial: new Set<string>() };

/** Rejects with what `promise` rejected with, or fails. */
const rejection = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => expect.fail('resolved'),
    (e: unknown) => e,
  );

// The clients people already use, unchanged, against the route: models and aliases, usage, and
// the 400 for what cannot be honoured.
describe('the OpenAI-compatible route with the clients people use', function () {
  this.timeout(30_000);
  let endpoint: OpenAIEndpoint | undefined;
  let client: OpenAI;

  before(async () => {
    endpoint = await startOpenAIEndpoint({}, { modelAliases: { 'gpt-4o': 'gpt-4', 'gpt-3.5-turbo': 'gpt-4' } });
    client = new OpenAI({ apiKey, baseURL: endpoint.baseURL, maxRetries: 0 });
  });

  after(async () => {
    await endpoint?.close();
  });

  const baseURL = (): string => endpoint?.baseURL ?? '';
  const requestsToService = (): number => endpoint?.emulator.requests.length ?? 0;

  describe('openai', () => {
    it('an unknown model is a 404 model_not_found: NotFoundError, nothing sent to the service', async () => {
      const before = requestsToService();
      const e = await rejection(
        client.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'Hi' }] }),
      );
      expect(e).to.be.instanceOf(OpenAI.NotFoundError);
      expect(e).to.deep.include({ status: 404, code: 'model_not_found', param: 'model' });
      expect(requestsToService()).to.equal(before);
    });

    it('an alias answers with the model it names', async () => {
      const completion = await client.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Hi' }],
      });
      expect(completion.model).to.equal('gpt-4');
      expect(completion.choices[0]?.message.content).to.include('You said: "Hi".');
    });

    it('models: list holds models and aliases; retrieve finds either; an unknown id is NotFoundError', async () => {
      const ids: Array<string> = [];
      for await (const model of client.models.list()) ids.push(model.id);
      expect(ids).to.deep.equal(['gpt-4', 'gpt-4o', 'gpt-3.5-turbo']);
      expect(await client.models.retrieve('gpt-4o')).to.deep.include({ id: 'gpt-4o', object: 'model' });
      expect(await rejection(client.models.retrieve('gpt-5'))).to.be.instanceOf(OpenAI.NotFoundError);
    });

    it('stream: false has usage, counted with cl100k_base: the reply’s tokens and the chat’s', async () => {
      const completion = await client.chat.completions.create({
        model: 'gpt-4',
        messages: [{ role: 'user', content: 'Hi' }],
      });
      const text = completion.choices[0]?.message.content ?? '';
      expect(completion.usage).to.deep.equal({
        prompt_tokens: 8,
        completion_tokens: countTokens(text, plainText),
        total_tokens: 8 + countTokens(text, plainText),
      });
    });

    it('a stream with include_usage ends with a chunk of no choice and the usage; without, no such chunk', async () => {
      const chunks: Array<OpenAI.Chat.Completions.ChatCompletionChunk> = [];
      const stream = await client.chat.completions.create({
        model: 'gpt-4',
        messages: [{ role: 'user', content: 'Hello' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const chunk of stream) chunks.push(chunk);
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      expect(chunks.at(-1)?.choices).to.deep.equal([]);
      expect(chunks.at(-1)?.usage?.completion_tokens).to.equal(countTokens(text, plainText));
      expect(chunks.at(-2)?.choices[0]?.finish_reason).to.equal('stop');
      expect(chunks.slice(0, -1).every((c) => c.usage === undefined || c.usage === null)).to.equal(true);

      const plain: Array<OpenAI.Chat.Completions.ChatCompletionChunk> = [];
      const without = await client.chat.completions.create({
        model: 'gpt-4',
        messages: [{ role: 'user', content: 'Hello' }],
        stream: true,
      });
      for await (const chunk of without) plain.push(chunk);
      expect(plain.at(-1)?.choices[0]?.finish_reason).to.equal('stop');
      expect(plain.some((c) => c.usage !== undefined && c.usage !== null)).to.equal(false);
    });

    it('tools are a 400 naming the parameter (BadRequestError), nothing sent to the service', async () => {
      const before = requestsToService();
      const e = await rejection(
        client.chat.completions.create({
          model: 'gpt-4',
          messages: [{ role: 'user', content: 'Weather in Paris?' }],
          tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
          tool_choice: 'required',
        }),
      );
      expect(e).to.be.instanceOf(OpenAI.BadRequestError);
      expect(e).to.deep.include({ status: 400, param: 'tools', code: 'unsupported_parameter' });
      expect((e as Error).message).to.include('tools: this server calls no tools');
      expect(requestsToService()).to.equal(before);
    });

    it('an empty tools list and the sampling parameters are accepted', async () => {
      const completion = await client.chat.completions.create({
        model: 'gpt-4',
        messages: [{ role: 'user', content: 'Hi' }],
        tools: [],
        temperature: 0.1,
        top_p: 1,
        max_tokens: 64,
        seed: 1,
        user: 'u1',
      });
      expect(completion.choices[0]?.message.content).to.include('You said: "Hi".');
    });
  });

  describe('LangChain (@langchain/openai 1.5.8)', () => {
    const chat = (fields: ConstructorParameters<typeof ChatOpenAI>[0] = {}): ChatOpenAI =>
      new ChatOpenAI({ apiKey, configuration: { baseURL: baseURL() }, maxRetries: 0, ...fields });

    it('ChatOpenAI with its default model (gpt-3.5-turbo, aliased) replies, with usage_metadata', async () => {
      const reply = await chat().invoke('Hello');
      expect(String(reply.content)).to.include('You said: "Hello".');
      expect(reply.response_metadata.model_name).to.equal('gpt-4');
      expect(reply.usage_metadata).to.deep.include({
        input_tokens: 8,
        output_tokens: countTokens(String(reply.content), plainText),
      });
    });

    it('streams with usage_metadata on the last chunk (streamUsage asks include_usage)', async () => {
      let content = '';
      let usage: { readonly input_tokens: number; readonly output_tokens: number } | undefined;
      for await (const chunk of await chat().stream('Hello')) {
        content += String(chunk.content);
        if (chunk.usage_metadata !== undefined) usage = chunk.usage_metadata;
      }
      expect(content).to.include('You said: "Hello".');
      expect(usage).to.deep.include({ input_tokens: 8, output_tokens: countTokens(content, plainText) });
    });

    it('withStructuredOutput is refused with a 400 LangChain surfaces, instead of resolving to nothing', async () => {
      const structured = chat({ model: 'gpt-4' }).withStructuredOutput(z.object({ answer: z.string() }));
      const e = await rejection(structured.invoke('What is 6 × 7?'));
      expect(e).to.deep.include({ status: 400 });
      expect((e as Error).message).to.match(/response_format|tools/);
    });

    it('an unknown model is MODEL_NOT_FOUND', async () => {
      const e = await rejection(chat({ model: 'gpt-5' }).invoke('Hello'));
      expect(e).to.deep.include({ status: 404, lc_error_code: 'MODEL_NOT_FOUND' });
    });
  });

  describe('the AI SDK (ai 5)', () => {
    const compatible = () =>
      createOpenAICompatible({ name: 'yqcloud', baseURL: baseURL(), apiKey, includeUsage: true });

    it('generateText through @ai-sdk/openai-compatible reports the usage', async () => {
      const { text, usage } = await generateText({ model: compatible()('gpt-4'), prompt: 'Hi', maxRetries: 0 });
      expect(text).to.include('You said: "Hi".');
      expect(usage).to.deep.include({ inputTokens: 8, outputTokens: countTokens(text, plainText) });
    });

    it('streamText with includeUsage reports the usage', async () => {
      const result = streamText({ model: compatible()('gpt-4'), prompt: 'Hello', maxRetries: 0 });
      const text = await result.text;
      expect(await result.usage).to.deep.include({ inputTokens: 8, outputTokens: countTokens(text, plainText) });
    });

    it('@ai-sdk/openai’s .chat(…) works, with an alias', async () => {
      const openai = createOpenAI({ baseURL: baseURL(), apiKey });
      const { text, response } = await generateText({ model: openai.chat('gpt-4o'), prompt: 'Hi', maxRetries: 0 });
      expect(text).to.include('You said: "Hi".');
      expect(response.modelId).to.equal('gpt-4');
    });

    it('generateText with tools is an APICallError 400, not a reply without a call', async () => {
      const weather = tool({
        description: 'the weather',
        inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } } }),
        execute: async () => 'sunny',
      });
      const e = await rejection(
        generateText({ model: compatible()('gpt-4'), prompt: 'Weather?', tools: { weather }, maxRetries: 0 }),
      );
      expect(APICallError.isInstance(e)).to.equal(true);
      expect((e as APICallError).statusCode).to.equal(400);
    });
  });

  describe('LlamaIndex (@llamaindex/openai)', () => {
    it('chat with its default model (gpt-4o, aliased) and default sampling parameters', async () => {
      const llm = new LlamaIndexOpenAI({ apiKey, baseURL: baseURL(), maxRetries: 0 });
      const response = await llm.chat({ messages: [{ role: 'user', content: 'Hello' }] });
      expect(String(response.message.content)).to.include('You said: "Hello".');
    });
  });
});
