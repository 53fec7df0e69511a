import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import {
  blocked,
  emptyResponse,
  httpError,
  networkError,
  responseTooLarge,
  timeoutError,
} from '../../../lib/core/error.js';
import { validateRequest } from '../../../lib/core/request.js';
import { YqcloudError } from '../../../lib/index.js';
import { buildPayload, turnConversation } from '../../../lib/provider/payload.js';
import {
  decodeChatCompletionRequest,
  toChatRequest,
  type ChatCompletionRequest,
} from '../../../lib/server/routes/openai/chatCompletionRequest.js';
import {
  chatCompletion,
  contentChunk,
  doneEvent,
  firstChunk,
  modelList,
  sseData,
  stopChunk,
} from '../../../lib/server/routes/openai/completion.js';
import { openaiErrorOf, refusalOf } from '../../../lib/server/routes/openai/openaiError.js';

const decoded = (u: unknown): ChatCompletionRequest => {
  const result = decodeChatCompletionRequest(u);
  if (E.isLeft(result)) throw result.left;
  return result.right;
};

const refused = (u: unknown): YqcloudError => {
  const result = decodeChatCompletionRequest(u);
  if (E.isRight(result)) throw new Error(`decoded ${JSON.stringify(result.right)}`);
  return result.left;
};

describe('OpenAI chat.completions request → the provider request', () => {
  it('reads model, messages, stream, stream_options, max_tokens and stop, and ignores the sampling fields', () => {
    const body = {
      model: 'gpt-4',
      messages: [
        { role: 'developer', content: 'Be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hello, ' },
            { type: 'text', text: 'world' },
          ],
          name: 'ann',
        },
        { role: 'assistant', content: null },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 10,
      stop: 'END',
      user: 'u1',
      n: 1,
    };
    const before = JSON.stringify(body);
    expect(decoded(body)).to.deep.equal({
      model: 'gpt-4',
      messages: [
        { role: 'developer', content: 'Be brief' },
        { role: 'user', content: 'Hello, world' },
        { role: 'assistant', content: '' },
      ],
      stream: true,
      includeUsage: true,
      maxTokens: 10,
      stop: ['END'],
    });
    expect(JSON.stringify(body)).to.equal(before);
  });

  it('defaults: no model is the provider default, no stream is one chat.completion', () => {
    expect(decoded({ messages: [{ role: 'user', content: 'Hi' }], stream: null, model: null })).to.include({
      model: '',
      stream: false,
      includeUsage: false,
    });
  });

  it('builds the same payload as the provider does for the same messages (system split off, history as prompt)', () => {
    const asked = decoded({
      messages: [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: [{ type: 'text', text: 'Bye' }] },
      ],
    });
    const valid = validateRequest(toChatRequest(asked, '#/chat/12345678901234567890', 'gpt-4'));
    if (E.isLeft(valid)) throw valid.left;
    expect(valid.right.model).to.equal('gpt-4');
    const payload = buildPayload(turnConversation(valid.right), true);
    expect(payload).to.include({
      system: 'Be brief',
      prompt: 'User: Hi\nAssistant: Hello\nUser: Bye\nAssistant:',
      userId: '#/chat/12345678901234567890',
    });
  });

  it('runs in the service conversation given (its own), keeps no text (the endpoint keeps its own), nothing else', () => {
    const request = toChatRequest(
      decoded({ model: 'gpt-4', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
      '#/chat/1',
      'gpt-4',
    );
    expect(request).to.deep.equal({
      messages: [{ role: 'user', content: 'Hi' }],
      model: 'gpt-4',
      keepText: false,
      conversation: { model: 'gpt-4', userId: '#/chat/1', messageHistory: [] },
    });
  });

  it('refuses what the service cannot do, naming the param', () => {
    expect(refused({ messages: [{ role: 'tool', content: '42' }] })).to.include({
      kind: 'InvalidRequest',
      path: 'messages.0.role',
    });
    expect(
      refused({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }),
    ).to.include({
      path: 'messages.0.content',
    });
    expect(refused({ messages: 'Hi' })).to.include({ path: 'messages' });
    expect(refused({ messages: [{ role: 'user', content: 'Hi' }], stream: 'yes' })).to.include({ path: 'stream' });
    for (const u of [null, 'x', 42, []]) expect(refused(u)).to.include({ kind: 'InvalidRequest', path: '' });
  });

  it('a body whose getter throws is refused, not thrown', () => {
    const hostile = Object.defineProperty({}, 'messages', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });
    expect(refused(hostile)).to.be.instanceOf(YqcloudError).and.to.include({ kind: 'InvalidRequest' });
  });
});

describe('OpenAI completion objects', () => {
  const meta = { id: 'chatcmpl-1', created: 1764614400, model: 'gpt-4' };

  it('the first chunk carries the role, the others only content, the last finish_reason stop', () => {
    expect(firstChunk(meta, 'Hel')).to.deep.equal({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1764614400,
      model: 'gpt-4',
      choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, logprobs: null, finish_reason: null }],
    });
    expect(contentChunk(meta, 'lo').choices[0]).to.deep.include({ delta: { content: 'lo' }, finish_reason: null });
    expect(stopChunk(meta).choices[0]).to.deep.include({ delta: {}, finish_reason: 'stop' });
    expect(stopChunk(meta)).to.not.have.property('usage');
  });

  it('a chat.completion holds the whole reply and no usage', () => {
    const completion = chatCompletion(meta, 'Hello!');
    expect(completion).to.include({ object: 'chat.completion', id: 'chatcmpl-1' }).and.not.have.property('usage');
    expect(completion.choices[0]).to.deep.include({
      message: { role: 'assistant', content: 'Hello!', refusal: null },
      finish_reason: 'stop',
    });
  });

  it('frames events as data lines, [DONE] last; lists models', () => {
    expect(sseData({ a: '\n' })).to.equal('data: {"a":"\\n"}\n\n');
    expect(doneEvent).to.equal('data: [DONE]\n\n');
    expect(modelList(['gpt-4']).data).to.deep.equal([
      { id: 'gpt-4', object: 'model', created: 0, owned_by: 'yqcloud' },
    ]);
  });
});

describe('OpenAI error table', () => {
  const row = (e: YqcloudError) => {
    const answer = openaiErrorOf(e);
    return {
      status: answer.status,
      type: answer.body.error.type,
      code: answer.body.error.code,
      retry: answer.headers['x-should-retry'],
    };
  };

  it('gives every kind its status, type and code', () => {
    expect(row(new YqcloudError('InvalidRequest', 'model: unknown model', { path: 'model' }))).to.deep.equal({
      status: 400,
      type: 'invalid_request_error',
      code: 'model_not_found',
      retry: 'false',
    });
    expect(row(httpError(429, 'slow down', 1500))).to.deep.equal({
      status: 429,
      type: 'rate_limit_error',
      code: 'upstream_rate_limited',
      retry: 'true',
    });
    expect(row(httpError(503, 'busy'))).to.include({ status: 502, code: 'upstream_http_503', retry: 'true' });
    expect(row(httpError(404, 'gone'))).to.include({ status: 502, code: 'upstream_http_404', retry: 'false' });
    expect(row(networkError('ECONNRESET', 'socket hang up'))).to.include({
      status: 502,
      code: 'upstream_network',
      retry: 'true',
    });
    expect(row(blocked('ip-banned', 'sorry'))).to.include({
      status: 403,
      type: 'permission_error',
      code: 'upstream_blocked_ip-banned',
      retry: 'false',
    });
    expect(row(timeoutError('first-chunk', 10))).to.include({ status: 504, code: 'upstream_timeout_first-chunk' });
    expect(row(emptyResponse(200))).to.include({ status: 502, code: 'upstream_empty_response' });
    expect(row(responseTooLarge(10))).to.include({ status: 502, code: 'upstream_response_too_large' });
  });

  it('passes the service Retry-After on, in seconds and milliseconds; param only for a bad request', () => {
    const answer = openaiErrorOf(httpError(429, 'slow down', 1500));
    expect(answer.headers).to.include({ 'retry-after': '2', 'retry-after-ms': '1500' });
    expect(answer.body.error).to.include({ param: null, message: 'HTTP 429: slow down' });
    expect(
      openaiErrorOf(new YqcloudError('InvalidRequest', 'messages: x', { path: 'messages' })).body.error.param,
    ).to.equal('messages');
  });

  it('renders the guards’ refusals in the same shape', () => {
    expect(refusalOf(401, 'HTTP 401 (unauthorized)', { 'www-authenticate': 'Bearer' })).to.deep.equal({
      status: 401,
      headers: { 'www-authenticate': 'Bearer', 'x-should-retry': 'false' },
      body: {
        error: {
          message: 'HTTP 401 (unauthorized)',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
          param: null,
        },
      },
    });
    expect(refusalOf(429, 'busy', { 'retry-after': '2' }).headers).to.include({
      'retry-after': '2',
      'x-should-retry': 'true',
    });
  });
});
