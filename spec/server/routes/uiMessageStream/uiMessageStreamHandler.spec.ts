import { DefaultChatTransport, readUIMessageStream, type UIMessage } from 'ai';
import { expect } from 'chai';
import type { Emulator } from '../../../../lib/emulator/index.js';
import { bearerToken } from '../../../../lib/server/index.js';
import { SpecChat } from '../../../support/aiChat.js';
import { eventually } from '../../../support/eventually.js';
import { startUIChatServer, type UIChatServer } from '../../../support/uiChatServer.js';

const token = 'sk-spec-token';

/** The text of a message's text parts. */
const textOf = (message: UIMessage | undefined): string =>
  (message?.parts ?? []).map((p) => (p.type === 'text' ? p.text : '')).join('');

// The AI SDK's own client side (ai 5: Chat's state machine, DefaultChatTransport,
// readUIMessageStream) against the route, with the emulator behind it.
describe('the UI message stream route with the AI SDK’s Chat and DefaultChatTransport', function () {
  this.timeout(20_000);
  let served: UIChatServer;
  let emulator: Emulator;
  let api = '';

  before(async () => {
    served = await startUIChatServer({ authorize: bearerToken(token) });
    ({ emulator, api } = served);
  });

  after(() => served.close());

  const transport = (key = token) => new DefaultChatTransport({ api, headers: { authorization: `Bearer ${key}` } });

  it('Chat.sendMessage streams the assistant message, then a second turn carries the thread', async () => {
    const chat = new SpecChat({ transport: transport() });
    await chat.sendMessage({ text: 'Hello' });
    expect(chat.status).to.equal('ready');
    expect(chat.messages.map((m) => m.role)).to.deep.equal(['user', 'assistant']);
    expect(textOf(chat.messages[1])).to.include('You said: "Hello".');
    expect(chat.messages[1]?.id).to.match(/^msg-/);
    await chat.sendMessage({ text: 'Bye' });
    expect(textOf(chat.messages[3])).to.include('You said: "Bye".');
    expect(emulator.requests.at(-1)?.payload?.prompt).to.match(/^User: Hello\nAssistant: .*\nUser: Bye\nAssistant:$/s);
  });

  it('readUIMessageStream builds the message from the transport’s stream, the header names the protocol', async () => {
    const stream = await transport().sendMessages({
      chatId: 'chat-1',
      messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hi' }] }],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    });
    let last: UIMessage | undefined;
    for await (const message of readUIMessageStream({ stream })) last = message;
    expect(textOf(last)).to.include('You said: "Hi".');
    const head = await fetch(api, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'c',
        trigger: 'submit-message',
        messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: 'x' }] }],
      }),
    });
    expect(head.headers.get('x-vercel-ai-ui-message-stream')).to.equal('v1');
    expect(await head.text()).to.match(
      /data: \{"type":"finish","finishReason":"stop","messageMetadata":\{"totalUsage":\{"inputTokens":\d+,"outputTokens":\d+,"totalTokens":\d+\}\}\}\n\ndata: \[DONE\]\n\n$/,
    );
  });

  it('Chat.stop() aborts the reply: the request to the service is closed, the partial text kept', async () => {
    emulator.injectFault({ kind: 'slow', delayMs: 100 });
    let finished: { readonly isAbort: boolean } | undefined;
    const chat = new SpecChat({
      transport: transport(),
      onFinish: (event) => {
        finished = event;
      },
    });
    const sending = chat.sendMessage({ text: 'Tell me more' });
    await eventually(() => textOf(chat.messages[1]) !== '');
    expect(emulator.openConnections()).to.equal(1);
    await chat.stop();
    await sending;
    expect(chat.status).to.equal('ready');
    expect(finished?.isAbort).to.equal(true);
    expect(textOf(chat.messages[1])).to.not.equal('');
    await eventually(() => emulator.openConnections() === 0);
  });

  it('a failure after text is an error part: Chat keeps the text and reports the kind', async () => {
    emulator.injectFault({ kind: 'reset', afterChars: 12 });
    const errors: Array<Error> = [];
    const chat = new SpecChat({ transport: transport(), onError: (e) => void errors.push(e) });
    await chat.sendMessage({ text: 'Hello' });
    expect(chat.status).to.equal('error');
    expect(chat.error?.message).to.match(/^Network: network error \(ECONNRESET\)/);
    expect(errors).to.have.length(1);
    expect(textOf(chat.messages[1]).length).to.be.within(1, 12);
  });

  it('a refusal reaches Chat as an error with the server’s sentence (wrong token: 401)', async () => {
    const chat = new SpecChat({ transport: transport('sk-wrong') });
    await chat.sendMessage({ text: 'Hello' });
    expect(chat.status).to.equal('error');
    expect(chat.error?.message).to.include('unauthorized');
  });

  it('a file part is refused with a 400 naming the part, before anything reaches the service', async () => {
    const before = emulator.requests.length;
    const chat = new SpecChat({ transport: transport() });
    await chat.sendMessage({
      files: [{ type: 'file', mediaType: 'image/png', url: 'data:image/png;base64,AA==' }],
      text: 'What is it?',
    });
    expect(chat.status).to.equal('error');
    expect(chat.error?.message).to.include('messages.0.parts.0.type');
    expect(emulator.requests.length).to.equal(before);
  });

  it('on a store that keeps no replies, resume gets 204 (nothing to resume), and Chat stays ready', async () => {
    const chat = new SpecChat({ id: 'chat-r', transport: transport() });
    await chat.resumeStream();
    expect(chat.status).to.equal('ready');
    const answer = await fetch(`${api}/chat-r/stream`, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).to.equal(204);
  });
});
