import { expect } from 'chai';
import { filter, firstValueFrom } from 'rxjs';
import { startEmulator, type Emulator } from '../../lib/emulator/index.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { createChatSession, type ChatSession } from '../../lib/session/index.js';

/** The text of the next reply that finishes. */
const nextReply = (chat: ChatSession): Promise<string> =>
  firstValueFrom(chat.finished$.pipe(filter((end) => end.reason === 'stop'))).then((end) => end.text);

// The emulator keeps context per userId, as the service does (withoutContext: false): a session
// that rewrites its history must start a fresh service conversation for the service to forget.
describe('session: what the service remembers (against the emulator)', () => {
  let emulator: Emulator;
  let provider: YqcloudProvider;

  before(async () => {
    emulator = await startEmulator({ delayMs: 0, pieceChars: 64 });
    provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint });
  });
  after(async () => {
    provider?.destroy();
    await emulator?.close();
  });

  it('edit(0) makes the service forget the edited message', async () => {
    const chat = createChatSession(provider);
    let reply = nextReply(chat);
    chat.send('My name is Ada');
    await reply;
    const first = chat.conversation().userId;
    reply = nextReply(chat);
    chat.edit(0, 'My name is Grace');
    await reply;
    expect(chat.conversation().userId).to.not.equal(first);
    expect(chat.conversation().userId).to.match(/^#\/chat\/\d+$/);
    reply = nextReply(chat);
    chat.send('What is my name?');
    const answer = await reply;
    expect(answer).to.include('Earlier you said: "My name is Grace"').and.not.include('Ada');
    expect(emulator.requests.at(-1)?.payload?.prompt).to.not.include('Ada');
    chat.close();
  });

  it('regenerate() asks again in a fresh service conversation carrying the kept history', async () => {
    const chat = createChatSession(provider);
    let reply = nextReply(chat);
    chat.send('My name is Ada');
    await reply;
    reply = nextReply(chat);
    chat.send('Say it again');
    await reply;
    const before = chat.conversation().userId;
    reply = nextReply(chat);
    chat.regenerate();
    const again = await reply;
    const sent = emulator.requests.at(-1)?.payload;
    expect(sent?.userId).to.not.equal(before);
    expect(sent?.prompt).to.include('User: My name is Ada').and.include('User: Say it again');
    // the service's memory of the new userId is empty: the turn count comes from the prompt alone
    expect(again).to.include('This is turn 2 of our conversation.');
    chat.close();
  });

  it('a historyBudget that drops turns starts a fresh service conversation', async () => {
    const chat = createChatSession(provider, { historyBudget: { maxMessages: 1 } });
    let reply = nextReply(chat);
    chat.send('My name is Ada');
    await reply;
    reply = nextReply(chat);
    chat.send('What is my name?');
    const answer = await reply;
    expect(answer).to.not.include('Ada');
    chat.close();
  });
});
