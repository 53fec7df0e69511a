import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { tool as langchainTool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { OpenAI as LlamaIndexOpenAI } from '@llamaindex/openai';
import { generateObject, generateText, jsonSchema, tool } from 'ai';
import { expect } from 'chai';
import OpenAI from 'openai';
import { z } from 'zod';
import * as O from '#fp-ts/Option.js';
import { unsupportedParameter } from '../../../../lib/server/routes/openai/unsupportedParameters.js';
import { startLoopbackServer, type LoopbackServer } from '../../../support/loopbackServer.js';

const messages = [{ role: 'user', content: 'Hi' }];

const paramOf = (body: unknown): string | undefined =>
  O.toUndefined(O.map((u: { readonly param: string }) => u.param)(unsupportedParameter(body)));

describe('unsupportedParameter: what the server cannot honour is named before anything is sent', () => {
  it('refuses tools, tool choices that ask for a call, functions, JSON modes, n > 1, log probabilities, audio', () => {
    const fn = { type: 'function', function: { name: 'weather', parameters: { type: 'object' } } };
    const cases: ReadonlyArray<readonly [Readonly<Record<string, unknown>>, string]> = [
      [{ tools: [fn] }, 'tools'],
      [{ tools: [fn], tool_choice: 'required' }, 'tools'],
      [{ tool_choice: 'required' }, 'tool_choice'],
      [{ tool_choice: { type: 'function', function: { name: 'weather' } } }, 'tool_choice'],
      [{ functions: [{ name: 'weather' }] }, 'functions'],
      [{ function_call: { name: 'weather' } }, 'function_call'],
      [{ response_format: { type: 'json_object' } }, 'response_format'],
      [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } }, 'response_format'],
      [{ n: 2 }, 'n'],
      [{ n: 0 }, 'n'],
      [{ logprobs: true }, 'logprobs'],
      [{ top_logprobs: 3 }, 'top_logprobs'],
      [{ audio: { voice: 'alloy', format: 'wav' } }, 'audio'],
      [{ modalities: ['text', 'audio'] }, 'modalities'],
      [{ tools: {} }, 'tools'],
    ];
    for (const [extra, param] of cases) expect(paramOf({ messages, ...extra }), JSON.stringify(extra)).to.equal(param);
  });

  it('refuses a history that only a tool-calling model can read, naming the message', () => {
    const call = { id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } };
    expect(paramOf({ messages: [...messages, { role: 'tool', tool_call_id: 'c1', content: '42' }] })).to.equal(
      'messages.1.role',
    );
    expect(paramOf({ messages: [{ role: 'assistant', content: null, tool_calls: [call] }, ...messages] })).to.equal(
      'messages.0.tool_calls',
    );
    expect(
      paramOf({
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url' }] }],
      }),
    ).to.equal('messages.0.content.1.type');
  });

  it('accepts the sampling parameters and the empty or "no call" values', () => {
    const accepted: ReadonlyArray<Readonly<Record<string, unknown>>> = [
      {
        temperature: 0.1,
        top_p: 1,
        max_tokens: 256,
        presence_penalty: 0,
        frequency_penalty: 0,
        seed: 7,
        stop: ['\n'],
        user: 'u1',
        logprobs: false,
        top_logprobs: 0,
        logit_bias: { 50256: -100 },
      },
      { tools: [], tool_choice: 'none' },
      { tools: null, tool_choice: 'auto', parallel_tool_calls: false },
      { functions: [], function_call: 'none' },
      { response_format: { type: 'text' }, n: 1, modalities: ['text'] },
      { stream: true, stream_options: { include_usage: true } },
    ];
    for (const extra of accepted) expect(paramOf({ messages, ...extra }), JSON.stringify(extra)).to.equal(undefined);
    expect(paramOf({ messages: [{ role: 'assistant', content: 'Hi', tool_calls: [] }, ...messages] })).to.equal(
      undefined,
    );
  });

  it('reads only own properties: a polluted Object.prototype adds no parameter', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.tools = [{ type: 'function' }];
    proto.n = 3;
    try {
      expect(paramOf({ messages })).to.equal(undefined);
    } finally {
      delete proto.tools;
      delete proto.n;
    }
  });

  it('names the parameter in a message that holds nothing of the request but field names', () => {
    const found = unsupportedParameter({ messages, response_format: { type: 'json_schema', secret: 'hunter2' } });
    expect(O.isSome(found) && found.value.message).to.match(/^response_format: /);
    expect(O.isSome(found) && found.value.message).not.to.include('hunter2');
    expect(O.isSome(found) && found.value.code).to.equal('unsupported_value');
  });
});

// The bodies the real clients post, recorded by a loopback server that answers a fixed completion.
describe('unsupportedParameter on the bodies real clients send', function () {
  this.timeout(20_000);
  let server: LoopbackServer | undefined;
  const completion = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 0,
    model: 'gpt-4',
    choices: [{ index: 0, message: { role: 'assistant', content: '{"answer":"42"}' }, finish_reason: 'stop' }],
  };

  before(async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completion));
    });
  });

  after(async () => {
    await server?.close();
  });

  const baseURL = (): string => `${server?.origin ?? ''}/v1`;
  /** The parsed body of the last request, after `call` settled (its outcome does not matter here). */
  const lastBody = async (call: () => Promise<unknown>): Promise<unknown> => {
    await call().catch(() => undefined);
    return JSON.parse(server?.requests.at(-1)?.body ?? 'null') as unknown;
  };

  it('LangChain ChatOpenAI: a plain invoke passes; bindTools and withStructuredOutput are refused', async () => {
    const chat = new ChatOpenAI({ apiKey: 'sk-x', configuration: { baseURL: baseURL() }, maxRetries: 0 });
    expect(paramOf(await lastBody(() => chat.invoke('Hi')))).to.equal(undefined);
    const weather = langchainTool(() => 'sunny', {
      name: 'weather',
      description: 'the weather',
      schema: z.object({ city: z.string() }),
    });
    expect(paramOf(await lastBody(() => chat.bindTools([weather]).invoke('Weather in Paris?')))).to.equal('tools');
    const structured = chat.withStructuredOutput(z.object({ answer: z.string() }));
    expect(paramOf(await lastBody(() => structured.invoke('Answer')))).to.be.oneOf(['tools', 'response_format']);
  });

  it('LlamaIndex OpenAI: chat with its default temperature and top_p passes', async () => {
    const llm = new LlamaIndexOpenAI({ model: 'gpt-4', apiKey: 'sk-x', baseURL: baseURL(), maxRetries: 0 });
    const body = await lastBody(() => llm.chat({ messages: [{ role: 'user', content: 'Hi' }] }));
    expect(body).to.include({ temperature: 0.1, top_p: 1 });
    expect(paramOf(body)).to.equal(undefined);
  });

  it('the AI SDK: generateText passes, with tools it is refused, generateObject is refused', async () => {
    const model = createOpenAICompatible({ name: 'yqcloud', baseURL: baseURL(), apiKey: 'sk-x' })('gpt-4');
    const plain = await lastBody(() =>
      generateText({ model, prompt: 'Hi', temperature: 0.3, maxOutputTokens: 64, seed: 1, maxRetries: 0 }),
    );
    expect(plain).to.include({ temperature: 0.3, max_tokens: 64 });
    expect(paramOf(plain)).to.equal(undefined);
    const weather = tool({
      description: 'the weather',
      inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } } }),
      execute: async () => 'sunny',
    });
    expect(
      paramOf(await lastBody(() => generateText({ model, prompt: 'Weather?', tools: { weather }, maxRetries: 0 }))),
    ).to.equal('tools');
    expect(
      paramOf(
        await lastBody(() =>
          generateObject({ model, prompt: 'Answer', schema: z.object({ a: z.string() }), maxRetries: 0 }),
        ),
      ),
    ).to.equal('response_format');
  });

  it('openai: tools with tool_choice "required" are refused', async () => {
    const client = new OpenAI({ apiKey: 'sk-x', baseURL: baseURL(), maxRetries: 0 });
    const body = await lastBody(() =>
      client.chat.completions.create({
        model: 'gpt-4',
        messages: [{ role: 'user', content: 'Hi' }],
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
        tool_choice: 'required',
      }),
    );
    expect(paramOf(body)).to.equal('tools');
  });
});
