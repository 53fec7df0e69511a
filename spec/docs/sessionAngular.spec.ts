/**
 * The service of docs/session-angular.md (its `ts file=chat.service.ts` sample, as printed) under
 * Angular's own injector: its dependencies come from the page's `InjectionToken`s, it restores
 * the conversation from the store, sends it as history and saves the reply. It imports
 * `yqcloud-rx` as an app does, so this spec uses the package's entry points too (`dist/`), and
 * loads them as the sample does (`import()`), so that both share one copy of each module.
 */
import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { InjectionToken } from '@angular/core';
import { filter, firstValueFrom, of, toArray, type Observable } from 'rxjs';
import type { ChatProvider, ChatState } from 'yqcloud-rx';
import type { TestProvider } from 'yqcloud-rx/testing';
import { samplesOf } from './samples.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

interface ChatService {
  readonly state$: Observable<ChatState>;
  send(text: string): void;
  stop(): void;
  ngOnDestroy(): void;
}

/** What the page's `chat.service.ts` exports. */
interface ServiceModule {
  readonly CHAT_PROVIDER: InjectionToken<ChatProvider>;
  readonly CHAT_STORE: InjectionToken<KeyValueStore>;
  readonly ChatService: new () => ChatService;
}

const memoryStore = (
  initial: Readonly<Record<string, string>> = {},
): KeyValueStore & { readonly saved: Map<string, string> } => {
  const saved = new Map(Object.entries(initial));
  return { saved, getItem: (key) => saved.get(key) ?? null, setItem: (key, value) => void saved.set(key, value) };
};

const idleWith = (chat: ChatService, messages: number): Promise<ChatState> =>
  firstValueFrom(chat.state$.pipe(filter((state) => state.status === 'idle' && state.messages.length === messages)));

describe('docs/session-angular.md: the service under Angular’s injector', () => {
  let service: ServiceModule;
  let angular: typeof import('@angular/core');
  let library: typeof import('yqcloud-rx');
  let testing: typeof import('yqcloud-rx/testing');

  before(async () => {
    const [sample] = samplesOf(root, join(root, 'docs/session-angular.md')).filter(
      (s) => s.saveAs === 'chat.service.ts',
    );
    expect(sample, 'the page has a `ts file=chat.service.ts` sample').to.not.equal(undefined);
    const dir = join(root, '.samples');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'chat.service.ts'), sample?.code ?? '');
    service = (await import(pathToFileURL(join(dir, 'chat.service.ts')).href)) as ServiceModule;
    angular = await import('@angular/core');
    library = await import('yqcloud-rx');
    testing = await import('yqcloud-rx/testing');
  });

  const serviceWith = (provider: TestProvider, store: KeyValueStore): ChatService => {
    const injector = angular.Injector.create({
      providers: [
        { provide: service.CHAT_PROVIDER, useValue: provider },
        { provide: service.CHAT_STORE, useValue: store },
      ],
    });
    return angular.runInInjectionContext(injector, () => new service.ChatService());
  };

  it('takes its provider and store from the page’s InjectionTokens and saves the finished reply', async () => {
    const provider = testing.createTestProvider({ body: of('Hello ', 'there.') });
    const store = memoryStore();
    const chat = serviceWith(provider, store);
    const idle = idleWith(chat, 2);
    chat.send('Hi');
    const state = await idle;
    chat.ngOnDestroy();
    expect(state.messages).to.deep.equal([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello there.' },
    ]);
    expect(provider.requests.map((r) => r.body.prompt)).to.deep.equal(['Hi']);
    const saved = library.Conversation.fromJson(JSON.parse(store.saved.get('chat') ?? 'null'));
    expect(saved._tag === 'Right' ? saved.right.messageHistory : saved).to.deep.equal(state.messages);
  });

  it('restores the saved conversation and sends it as the history of the next turn', async () => {
    const before = library.Conversation.withHistory([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Hello Ada.' },
    ])(library.Conversation.make('gpt-4', () => 1));
    const provider = testing.createTestProvider({ body: of('Ada.') });
    const chat = serviceWith(provider, memoryStore({ chat: JSON.stringify(library.Conversation.toJson(before)) }));
    const first = await firstValueFrom(chat.state$);
    const idle = idleWith(chat, 4);
    chat.send('What is my name?');
    await idle;
    chat.ngOnDestroy();
    expect(first.messages).to.have.length(2);
    expect(provider.requests[0]?.body.prompt).to.equal(
      'User: My name is Ada.\nAssistant: Hello Ada.\nUser: What is my name?\nAssistant:',
    );
    expect(provider.requests[0]?.body.userId).to.equal('#/chat/1');
  });

  it('ngOnDestroy completes its state', async () => {
    const chat = serviceWith(testing.createTestProvider({ body: of('x') }), memoryStore());
    const states = firstValueFrom(chat.state$.pipe(toArray()));
    chat.ngOnDestroy();
    expect(await states).to.have.length.greaterThan(0);
  });
});
