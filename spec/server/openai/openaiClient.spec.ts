import { expect } from 'chai';
import OpenAI, { type APIError } from 'openai';
import { apiKey, eventually, startOpenAIEndpoint, type OpenAIEndpoint } from './support.js';

// The official `openai` client (6.x) against the endpoint, with the emulator behind it.
describe('OpenAI-compatible endpoint with the official openai client', function () {
  this.timeout(20_000);
  let endpoint: OpenAIEndpoint | undefined;
  let client: OpenAI;

  before(async () => {
    endpoint = await startOpenAIEndpoint();
    client = new OpenAI({ apiKey, baseURL: endpoint.baseURL, maxRetries: 0 });
  });

  after(async () => {
    await endpoint?.close();
  });

  const emulator = () => {
    if (endpoint === undefined) throw new Error('no endpoint');
    return endpoint.emulator;
  };

  it('streams chat.completion.chunk deltas to `for await`, role first, finish_reason stop, then the usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4',
      messages: [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'Hello' },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: Array<OpenAI.Chat.Completions.ChatCompletionChunk> = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).to.be.greaterThan(3);
    expect(chunks[0]?.choices[0]?.delta).to.have.property('role', 'assistant');
    expect(chunks.at(-2)?.choices[0]).to.include({ finish_reason: 'stop' });
    expect(chunks.at(-1)?.choices).to.deep.equal([]);
    expect(chunks.at(-1)?.usage?.total_tokens).to.be.greaterThan(0);
    expect(new Set(chunks.map((c) => c.id)).size).to.equal(1);
    expect(chunks[0]).to.include({ object: 'chat.completion.chunk', model: 'gpt-4' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).to.include('You said: "Hello".').and.include('I was told: "Be brief".').and.include('你好，世界 🌏');
    expect(emulator().requests.at(-1)?.payload).to.include({ system: 'Be brief', prompt: 'Hello' });
    expect(JSON.stringify(emulator().requests.at(-1)?.headers)).to.not.include(apiKey);
  });

  it('answers stream: false with one chat.completion holding the whole reply', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: [{ type: 'text', text: 'Bye' }] },
      ],
    });
    expect(completion.object).to.equal('chat.completion');
    expect(completion.choices[0]?.finish_reason).to.equal('stop');
    expect(completion.choices[0]?.message.content).to.include('You said: "Bye".').and.include('This is turn 2');
    expect(completion.usage?.prompt_tokens).to.be.greaterThan(0);
    expect(emulator().requests.at(-1)?.payload?.prompt).to.equal('User: Hi\nAssistant: Hello!\nUser: Bye\nAssistant:');
  });

  it('an AbortController mid-stream ends the loop and closes the request to the service', async () => {
    emulator().injectFault({ kind: 'slow', delayMs: 100 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'gpt-4', messages: [{ role: 'user', content: 'Tell me more' }], stream: true },
      { signal: controller.signal },
    );
    let received = '';
    for await (const chunk of stream) {
      received += chunk.choices[0]?.delta.content ?? '';
      expect(emulator().openConnections()).to.equal(1);
      controller.abort();
    }
    expect(received).to.not.equal('');
    await eventually(() => emulator().openConnections() === 0);
  });

  it('a 503 from the service is a 502 the client retries itself, then the reply', async () => {
    const retrying = new OpenAI({ apiKey, baseURL: endpoint?.baseURL ?? '', maxRetries: 2 });
    const before = emulator().requests.length;
    emulator().injectFault({ kind: 'status', status: 503, retryAfterS: 0 });
    const completion = await retrying.chat.completions.create({
      model: 'gpt-4',
      messages: [{ role: 'user', content: 'Again' }],
    });
    expect(completion.choices[0]?.message.content).to.include('You said: "Again".');
    expect(
      emulator()
        .requests.slice(before)
        .map((r) => r.status),
    ).to.deep.equal([503, 200]);
  });

  it('a ban is a PermissionDeniedError (403) that the client does not retry', async () => {
    const retrying = new OpenAI({ apiKey, baseURL: endpoint?.baseURL ?? '', maxRetries: 2 });
    const before = emulator().requests.length;
    emulator().injectFault({ kind: 'ban' });
    const error = await retrying.chat.completions
      .create({ model: 'gpt-4', messages: [{ role: 'user', content: 'Hi' }], stream: true })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).to.be.instanceOf(OpenAI.PermissionDeniedError);
    expect(error).to.include({ status: 403, code: 'upstream_blocked_ip-banned', type: 'permission_error' });
    expect(emulator().requests.length - before).to.equal(1);
  });

  it('a bad token is an AuthenticationError (401) and nothing reaches the service', async () => {
    const before = emulator().requests.length;
    const stranger = new OpenAI({ apiKey: 'sk-wrong', baseURL: endpoint?.baseURL ?? '', maxRetries: 2 });
    const error = await stranger.chat.completions
      .create({ model: 'gpt-4', messages: [{ role: 'user', content: 'Hi' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).to.be.instanceOf(OpenAI.AuthenticationError);
    expect(error).to.include({ status: 401, code: 'invalid_api_key' });
    expect((error as APIError).headers?.get('www-authenticate')).to.equal('Bearer');
    expect(emulator().requests.length).to.equal(before);
  });

  it('an unknown model is a NotFoundError, a tool message a BadRequestError naming the param', async () => {
    const before = emulator().requests.length;
    const model = await client.chat.completions
      .create({ model: 'gpt-5', messages: [{ role: 'user', content: 'Hi' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(model).to.be.instanceOf(OpenAI.NotFoundError);
    expect(model).to.include({ status: 404, param: 'model', code: 'model_not_found' });
    const tool = await client.chat.completions
      .create({ model: 'gpt-4', messages: [{ role: 'tool', content: '42', tool_call_id: 'x' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(tool).to.be.instanceOf(OpenAI.BadRequestError);
    expect(tool).to.include({ param: 'messages.0.role', code: 'unsupported_value' });
    expect(emulator().requests.length).to.equal(before);
  });

  it('a failure after text arrives in the stream as an error, which the client raises as an APIError', async () => {
    emulator().injectFault({ kind: 'reset', afterChars: 12 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
    });
    let received = '';
    const error = await (async () => {
      for await (const chunk of stream) received += chunk.choices[0]?.delta.content ?? '';
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(received.length).to.be.greaterThan(0);
    expect(error).to.be.instanceOf(OpenAI.APIError);
    expect(error).to.include({ code: 'upstream_network', type: 'upstream_error' });
  });

  it('lists the provider’s models', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).to.deep.equal(['gpt-4']);
  });
});
