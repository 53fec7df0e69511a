import { DefaultChatTransport, type UIMessage } from 'ai';
import { expect } from 'chai';
import type { Emulator } from '../../../../lib/emulator/index.js';
import { bearerToken, createMemoryReplyStore, createRedisStore } from '../../../../lib/server/index.js';
import { SpecChat } from '../../../support/aiChat.js';
import { closedPort } from '../../../support/closedPort.js';
import { eventually } from '../../../support/eventually.js';
import { startUIChatServer, type UIChatServer } from '../../../support/uiChatServer.js';

const token = 'sk-spec-owner';
const otherToken = 'sk-spec-other';
const auth = (key = token) => ({ authorization: `Bearer ${key}` });

/** The text of a message's text parts. */
const textOf = (message: UIMessage | undefined): string =>
  (message?.parts ?? []).map((p) => (p.type === 'text' ? p.text : '')).join('');

const userMessage = (text: string): UIMessage => ({ id: 'u1', role: 'user', parts: [{ type: 'text', text }] });

interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}
const usageOf = (message: UIMessage | undefined): Usage | undefined =>
  (message?.metadata as { readonly totalUsage?: Usage } | undefined)?.totalUsage;

// The AI SDK's own client side (ai 5: AbstractChat's resumeStream, DefaultChatTransport's
// reconnect `GET {api}/{chatId}/stream`) against the route on a store that keeps replies.
describe('the UI message stream route resumes a chat’s reply in flight (AI SDK Chat.resumeStream)', function () {
  this.timeout(30_000);
  const store = createMemoryReplyStore();
  let served: UIChatServer;
  let emulator: Emulator;
  let api = '';

  before(async () => {
    served = await startUIChatServer({ authorize: bearerToken(token, otherToken), store });
    ({ emulator, api } = served);
  });

  after(async () => {
    await served.close();
    await store.close();
  });

  const transport = (key = token) => new DefaultChatTransport({ api, headers: auth(key) });

  /** The reply to `text` as an unbroken exchange gives it. */
  const unbroken = async (text: string): Promise<UIMessage | undefined> => {
    const chat = new SpecChat({ transport: transport() });
    await chat.sendMessage({ text });
    return chat.messages[1];
  };

  /** A chat whose page goes away mid-reply: sent, some text shown, then its connection closed. */
  const dropped = async (chatId: string, text: string): Promise<SpecChat> => {
    emulator.injectFault({ kind: 'slow', delayMs: 60 });
    const chat = new SpecChat({ id: chatId, transport: transport() });
    const sending = chat.sendMessage({ text });
    await eventually(() => textOf(chat.messages[1]) !== '');
    await chat.stop(); // the AI SDK's stop closes the connection and sends nothing else
    await sending;
    return chat;
  };

  it('a reply in flight, the page gone and a new Chat resuming: exactly the message of an unbroken reply, usage included', async () => {
    const whole = await unbroken('Tell me more');
    const first = await dropped('chat-resume', 'Tell me more');
    const seen = textOf(first.messages[1]);
    expect(seen.length, 'dropped mid-reply').to.be.within(1, textOf(whole).length - 1);
    expect(emulator.openConnections(), 'the reply goes on without its client').to.equal(1);

    const reloaded = new SpecChat({
      id: 'chat-resume',
      transport: transport(),
      messages: [first.messages[0] as UIMessage],
    });
    await reloaded.resumeStream();
    expect(reloaded.status).to.equal('ready');
    expect(reloaded.messages.map((m) => m.role)).to.deep.equal(['user', 'assistant']);
    expect(textOf(reloaded.messages[1])).to.equal(textOf(whole));
    expect(reloaded.messages[1]?.parts, 'one text part, done').to.have.length(1);
    expect(reloaded.messages[1]?.id, 'the same message').to.equal(first.messages[1]?.id);
    expect(usageOf(reloaded.messages[1])).to.deep.equal(usageOf(whole));
    const usage = usageOf(whole);
    expect(usage?.inputTokens).to.be.above(0);
    expect(usage?.outputTokens).to.be.above(0);
    expect(usage?.totalTokens).to.equal((usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0));

    const after = await fetch(`${api}/chat-resume/stream`, { headers: auth() });
    expect(after.status, 'ended: nothing in flight').to.equal(204);
  });

  it('answers 204 when the chat has no reply in flight; Chat stays ready', async () => {
    const chat = new SpecChat({ id: 'chat-none', transport: transport() });
    await chat.resumeStream();
    expect(chat.status).to.equal('ready');
    expect(chat.messages).to.deep.equal([]);
    expect((await fetch(`${api}/chat-none/stream`, { headers: auth() })).status).to.equal(204);
  });

  it('another client cannot resume or stop the chat (to it there is none: 204), and the owner still can', async () => {
    const whole = await unbroken('Tell me more');
    const first = await dropped('chat-shared-id', 'Tell me more');
    const intruder = new SpecChat({ id: 'chat-shared-id', transport: transport(otherToken) });
    await intruder.resumeStream();
    expect(intruder.messages, 'nothing of the owner’s reply').to.deep.equal([]);
    const stop = await fetch(`${api}/chat-shared-id/stream`, { method: 'DELETE', headers: auth(otherToken) });
    expect(stop.status).to.equal(204);
    const owner = new SpecChat({
      id: 'chat-shared-id',
      transport: transport(),
      messages: [first.messages[0] as UIMessage],
    });
    await owner.resumeStream();
    expect(textOf(owner.messages[1])).to.equal(textOf(whole));
    expect((await fetch(`${api}/chat-shared-id/stream`, { headers: {} })).status, 'no token').to.equal(401);
  });

  it('DELETE {api}/{chatId}/stream stops the reply: the service request closes, a resumed Chat ends with the text so far', async () => {
    const whole = await unbroken('Tell me more');
    await dropped('chat-stop', 'Tell me more');
    const resumed = new SpecChat({ id: 'chat-stop', transport: transport(), messages: [userMessage('Tell me more')] });
    const resuming = resumed.resumeStream();
    await eventually(() => textOf(resumed.messages[1]) !== '');
    const stop = await fetch(`${api}/chat-stop/stream`, { method: 'DELETE', headers: auth() });
    expect(stop.status).to.equal(202);
    await resuming;
    await eventually(() => emulator.openConnections() === 0);
    const text = textOf(resumed.messages[1]);
    expect(text.length).to.be.within(1, textOf(whole).length - 1);
    expect(textOf(whole).startsWith(text)).to.equal(true);
    expect((await fetch(`${api}/chat-stop/stream`, { method: 'DELETE', headers: auth() })).status).to.equal(204);
  });

  it('a path whose chat id is not one is refused (400); a method other than GET and DELETE is 405', async () => {
    const bad = await fetch(`${api}/%E0%A4%A/stream`, { headers: auth() });
    expect(bad.status).to.equal(400);
    const wrongMethod = await fetch(`${api}/c/stream`, { method: 'PUT', headers: auth() });
    expect(wrongMethod.status).to.equal(405);
  });
});

describe('the UI message stream route when the store cannot be reached', function () {
  this.timeout(30_000);

  it('resume and stop answer 503 with retry-after; a new reply is still served, not resumable', async () => {
    const store = await createRedisStore({
      url: `redis://127.0.0.1:${await closedPort()}`,
      connectTimeoutMs: 500,
      log: () => {},
    });
    const { api, close } = await startUIChatServer({ authorize: bearerToken(token), store });
    try {
      const resume = await fetch(`${api}/chat-1/stream`, { headers: auth() });
      expect(resume.status).to.equal(503);
      expect(Number(resume.headers.get('retry-after'))).to.be.above(0);
      expect((await fetch(`${api}/chat-1/stream`, { method: 'DELETE', headers: auth() })).status).to.equal(503);
      const chat = new SpecChat({ id: 'chat-1', transport: new DefaultChatTransport({ api, headers: auth() }) });
      await chat.sendMessage({ text: 'Hello' });
      expect(chat.status).to.equal('ready');
      expect(textOf(chat.messages[1])).to.include('You said: "Hello".');
    } finally {
      await close();
      await store.close();
    }
  });
});
