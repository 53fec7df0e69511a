import { DefaultChatTransport, type UIMessage } from 'ai';
import { expect } from 'chai';
import * as E from '#fp-ts/Either.js';
import {
  decodeUIChatRequest,
  uiChatToChatRequest,
  type UIChatRequest,
} from '../../../../lib/server/routes/uiMessageStream/uiChatRequest.js';
import { startLoopbackServer, type LoopbackServer } from '../../../support/loopbackServer.js';

const user = (id: string, text: string): UIMessage => ({ id, role: 'user', parts: [{ type: 'text', text }] });

const decoded = (u: unknown): UIChatRequest => {
  const result = decodeUIChatRequest(u);
  if (E.isLeft(result)) throw result.left;
  return result.right;
};

const refusal = (u: unknown): { readonly path: string | undefined; readonly message: string } => {
  const result = decodeUIChatRequest(u);
  if (E.isRight(result)) throw new Error('decoded');
  return { path: result.left.path, message: result.left.message };
};

describe('decodeUIChatRequest: the body DefaultChatTransport posts', function () {
  this.timeout(20_000);
  let server: LoopbackServer | undefined;

  before(async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-vercel-ai-ui-message-stream': 'v1' });
      res.end('data: {"type":"start"}\n\ndata: {"type":"finish"}\n\ndata: [DONE]\n\n');
    });
  });

  after(async () => {
    await server?.close();
  });

  /** What the transport posts for these arguments, parsed. */
  const posted = async (
    options: Omit<Parameters<DefaultChatTransport<UIMessage>['sendMessages']>[0], 'abortSignal'>,
    body?: Readonly<Record<string, unknown>>,
  ): Promise<unknown> => {
    const transport = new DefaultChatTransport({ api: `${server?.origin ?? ''}/api/chat`, ...(body ? { body } : {}) });
    const stream = await transport.sendMessages({ ...options, abortSignal: undefined });
    await stream.pipeTo(new WritableStream());
    return JSON.parse(server?.requests.at(-1)?.body ?? 'null') as unknown;
  };

  it('a submitted message: the thread as messages, the chat id, the trigger', async () => {
    const messages: ReadonlyArray<UIMessage> = [
      { id: 's', role: 'system', parts: [{ type: 'text', text: 'Be brief' }] },
      user('u1', 'Hello'),
      {
        id: 'a1',
        role: 'assistant',
        parts: [{ type: 'step-start' }, { type: 'text', text: 'Hi ', state: 'done' }, { type: 'text', text: 'there' }],
      },
      user('u2', 'How are you?'),
    ];
    const body = await posted({
      chatId: 'chat-1',
      messages: [...messages],
      trigger: 'submit-message',
      messageId: undefined,
    });
    expect(decoded(body)).to.deep.equal({
      chatId: 'chat-1',
      messages: [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi there' },
        { role: 'user', content: 'How are you?' },
      ],
      trigger: 'submit-message',
      model: '',
    });
  });

  it('a regeneration names its message; a model comes from the transport’s body', async () => {
    const body = await posted(
      { chatId: 'chat-1', messages: [user('u1', 'Hello')], trigger: 'regenerate-message', messageId: 'a1' },
      { model: 'gpt-4', theme: 'dark' },
    );
    expect(decoded(body)).to.deep.include({ trigger: 'regenerate-message', messageId: 'a1', model: 'gpt-4' });
  });

  it('skips parts that carry nothing for the prompt', () => {
    const body = {
      id: 'c',
      trigger: 'submit-message',
      messages: [
        {
          id: 'a',
          role: 'assistant',
          parts: [
            { type: 'reasoning', text: 'thinking' },
            { type: 'source-url', sourceId: 's', url: 'https://example.com' },
            { type: 'data-weather', data: { c: 20 } },
            { type: 'text', text: 'Sunny' },
          ],
        },
      ],
    };
    expect(decoded(body).messages).to.deep.equal([{ role: 'assistant', content: 'Sunny' }]);
  });

  it('refuses files and tool parts, naming the part', () => {
    const file = { type: 'file', mediaType: 'image/png', url: 'data:image/png;base64,AA==' };
    expect(
      refusal({ id: 'c', trigger: 'submit-message', messages: [{ id: 'u', role: 'user', parts: [file] }] }),
    ).to.include({
      path: 'messages.0.parts.0.type',
    });
    const toolPart = { type: 'tool-weather', toolCallId: 't', state: 'output-available', input: {}, output: 'sunny' };
    const refused = refusal({
      id: 'c',
      trigger: 'submit-message',
      messages: [user('u', 'Weather?'), { id: 'a', role: 'assistant', parts: [{ type: 'text', text: 'x' }, toolPart] }],
    });
    expect(refused.path).to.equal('messages.1.parts.1.type');
    expect(refused.message).to.include('"tool-weather" parts cannot be honoured');
  });

  it('refuses a body that is not a chat request, naming the field', () => {
    expect(refusal({ messages: [] }).path).to.equal('id');
    expect(refusal({ id: 'c', messages: [], trigger: 'resume' }).path).to.equal('trigger');
    expect(
      refusal({ id: 'c', trigger: 'submit-message', messages: [{ id: 'u', role: 'tool', parts: [] }] }).path,
    ).to.equal('messages.0.role');
    expect(refusal({ id: 'x'.repeat(300), trigger: 'submit-message', messages: [] }).path).to.equal('id');
    expect(refusal({ id: 'a\u001b[2J', trigger: 'submit-message', messages: [] }).path).to.equal('id');
    expect(refusal('hello').path).to.equal('');
  });

  it('reads only own properties: a polluted Object.prototype picks no model', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.model = 'gpt-5';
    try {
      expect(decoded({ id: 'c', trigger: 'submit-message', messages: [user('u', 'Hi')] }).model).to.equal('');
    } finally {
      delete proto.model;
    }
  });

  it('maps to the provider’s request: a service conversation of its own holds the thread before the last message', () => {
    const request = decoded({
      id: 'c',
      trigger: 'submit-message',
      messages: [
        user('u1', 'Hi'),
        { id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'Hello' }] },
        user('u2', 'Bye'),
      ],
    });
    expect(uiChatToChatRequest(request, '#/chat/04829173650192837465', 'gpt-4')).to.deep.equal({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'Bye' },
      ],
      model: 'gpt-4',
      keepText: false,
      conversation: {
        model: 'gpt-4',
        userId: '#/chat/04829173650192837465',
        messageHistory: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello' },
        ],
      },
    });
  });
});
