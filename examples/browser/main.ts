/**
 * The demo page: a prompt box, the reply streaming in on word boundaries, Stop, and a
 * conversation that survives a reload; a reload in the middle of a reply continues that reply
 * (its checkpoint is kept while it streams, and `RelayProvider.resume` picks it up). Everything the page shows is rendered from the chat
 * session's `state$`. The page talks only to the relay (`RelayProvider`), never to the service:
 * a browser cannot send the headers the service expects.
 */
import { pipe } from 'rxjs';
import {
  bufferText,
  createChatSession,
  messageText,
  RelayProvider,
  withTimeouts,
  YqcloudError,
  type ChatSession,
  type ChatState,
} from '../../lib/index.js';
import { describeError } from './describeError.js';
import {
  clearReplyInFlight,
  loadConversation,
  loadReplyInFlight,
  replyKey,
  saveConversation,
  saveReplyInFlight,
  storageKey,
} from './storage.js';

const element = <T extends HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (found === null) throw new Error(`the page has no ${selector}`);
  return found;
};

const form = element<HTMLFormElement>('#ask');
const promptBox = element<HTMLTextAreaElement>('#prompt');
const stopButton = element<HTMLButtonElement>('#stop');
const clearButton = element<HTMLButtonElement>('#clear');
const transcript = element<HTMLOListElement>('#messages');
const pending = element<HTMLDivElement>('#pending');
const status = element<HTMLParagraphElement>('#status');
const problem = element<HTMLParagraphElement>('#error');

// The demo server writes the relay's address and the page's token into the page.
const meta = (name: string): string => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
const provider = new RelayProvider({
  url: meta('yq-relay') || '/api/chat',
  headers: { authorization: `Bearer ${meta('yq-token')}` },
});

// The question of the reply in flight, kept with each of its checkpoints.
let question: string | undefined;
provider.checkpoints$.subscribe((checkpoint) => {
  if (question !== undefined) saveReplyInFlight(localStorage, { content: question, ...checkpoint });
});

const nearBottom = (): boolean => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 48;

let shown: ChatState['messages'] | undefined;

const render = (state: ChatState): void => {
  const follow = nearBottom();
  // Messages are immutable values: the transcript is redrawn only when the list changes.
  if (state.messages !== shown) {
    shown = state.messages;
    transcript.replaceChildren(
      ...state.messages.map((message) => {
        const item = document.createElement('li');
        item.className = `message ${message.role}`;
        item.textContent = messageText(message);
        return item;
      }),
    );
  }
  pending.textContent = state.pending;
  pending.hidden = state.status !== 'streaming';
  status.textContent = state.status === 'streaming' ? 'Replying…' : state.status === 'error' ? 'Failed.' : 'Ready.';
  status.dataset.status = state.status;
  stopButton.disabled = state.status !== 'streaming';
  const failure = state.status === 'error' ? state.error : undefined;
  problem.textContent =
    failure === undefined ? '' : failure instanceof YqcloudError ? describeError(failure) : failure.message;
  problem.hidden = problem.textContent === '';
  if (follow) window.scrollTo({ top: document.documentElement.scrollHeight });
};

const open = (): ChatSession => {
  const chat = createChatSession(provider, {
    conversation: loadConversation(localStorage),
    pipe: pipe(withTimeouts({ firstChunkMs: 20_000, idleMs: 20_000 }), bufferText({ boundary: 'word' })),
  });
  chat.state$.subscribe((state) => {
    const asked = state.messages.at(-1);
    question = state.status === 'streaming' && asked !== undefined ? messageText(asked) : undefined;
    render(state);
    if (state.status !== 'streaming') saveConversation(localStorage, chat.conversation());
  });
  chat.finished$.subscribe(() => clearReplyInFlight(localStorage));
  // A reply was streaming when the page went away: it goes on where the page left it.
  const inFlight = loadReplyInFlight(localStorage);
  if (inFlight !== undefined)
    chat.adopt({
      content: inFlight.content,
      text: inFlight.text,
      reply: provider.resume({
        lastEventId: inFlight.lastEventId,
        text: inFlight.text,
        conversation: chat.conversation(),
      }),
    });
  return chat;
};

let chat = open();

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const content = promptBox.value.trim();
  if (content === '') return;
  promptBox.value = '';
  chat.send(content);
});

promptBox.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    form.requestSubmit();
  }
});

stopButton.addEventListener('click', () => chat.stop());

clearButton.addEventListener('click', () => {
  chat.close();
  localStorage.removeItem(storageKey);
  localStorage.removeItem(replyKey);
  shown = undefined;
  chat = open();
  promptBox.focus();
});
