import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import {
  filter,
  firstValueFrom,
  fromEvent,
  lastValueFrom,
  share,
  Subject,
  switchMap,
  takeUntil,
  toArray,
  zip,
} from 'rxjs';
import type { Message } from '../../lib/core/message.js';
import { finalMessage, textOnly } from '../../lib/operators/index.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { createChatSession, type ChatState } from '../../lib/session/index.js';
import { gate, startLoopbackServer, within, type LoopbackServer } from '../support/loopbackServer.js';

const ask = (content: string): ReadonlyArray<Message> => [{ role: 'user', content }];

/** The last user message of a request body: the prompt itself, or its last `User: ` line. */
const lastMessage = (body: string): string => {
  const { prompt } = JSON.parse(body) as { readonly prompt: string };
  const userLines = prompt.split('\n').filter((line) => line.startsWith('User: '));
  return userLines.at(-1)?.slice('User: '.length) ?? prompt;
};

describe('composition with RxJS operators, on a loopback server', () => {
  let server: LoopbackServer;
  /** The prompts whose responses were closed before the server ended them. */
  let cutOff: Array<string>;
  let provider: YqcloudProvider;

  beforeEach(async () => {
    cutOff = [];
    // A last message starting `hang` gets `partial` and then nothing; any other gets `reply to <it>`.
    server = await startLoopbackServer((_req, res: ServerResponse, recorded) => {
      const last = lastMessage(recorded.body);
      res.on('close', () => {
        if (!res.writableEnded) cutOff.push(last);
      });
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      if (last.startsWith('hang')) res.write('partial');
      else res.end(`reply to ${last}`);
    });
    provider = new YqcloudProvider({ apiEndpoint: server.endpoint });
  });

  afterEach(async () => {
    provider.destroy();
    await server.close();
  });

  const promptsSent = (): ReadonlyArray<string> => server.requests.map((r) => lastMessage(r.body));

  it('switchMap from a subject of prompts cancels the previous request: the server sees its socket close', async () => {
    const prompts = new Subject<string>();
    const firstText = gate();
    const deltas: Array<string> = [];
    const finished = new Promise<void>((resolve, reject) =>
      prompts.pipe(switchMap((content) => provider.create({ messages: ask(content) }).pipe(textOnly()))).subscribe({
        next: (delta) => {
          deltas.push(delta);
          firstText.open();
        },
        error: reject,
        complete: resolve,
      }),
    );
    prompts.next('hang first');
    await firstText.promise;
    const closed = server.socketClosed();
    prompts.next('second');
    prompts.complete();
    expect(await within(closed, 2000)).to.not.equal('deadline');
    await finished;
    expect(cutOff).to.deep.equal(['hang first']);
    expect(promptsSent()).to.deep.equal(['hang first', 'second']);
    expect(deltas).to.deep.equal(['partial', 'reply to second']);
  });

  it('share() makes one request for two subscribers (without it, two)', async () => {
    const shared$ = provider.create({ messages: ask('shared') }).pipe(share());
    const [deltas, message] = await lastValueFrom(
      zip(shared$.pipe(textOnly(), toArray()), shared$.pipe(finalMessage())),
    );
    expect(deltas.join('')).to.equal('reply to shared');
    expect(message).to.deep.equal({ role: 'assistant', content: 'reply to shared' });
    expect(server.requests).to.have.length(1);

    const cold$ = provider.create({ messages: ask('cold') });
    await lastValueFrom(zip(cold$.pipe(toArray()), cold$.pipe(toArray())));
    expect(promptsSent()).to.deep.equal(['shared', 'cold', 'cold']);
  });

  it('takeUntil a stop button ends the reply with what arrived, and the server sees its socket close', async () => {
    const button = new EventEmitter();
    const closed = server.socketClosed();
    const deltas: Array<string> = [];
    await new Promise<void>((resolve, reject) =>
      provider
        .create({ messages: ask('hang stop') })
        .pipe(takeUntil(fromEvent(button, 'click')), textOnly())
        .subscribe({
          next: (delta) => {
            deltas.push(delta);
            button.emit('click');
          },
          error: reject,
          complete: resolve,
        }),
    );
    expect(deltas).to.deep.equal(['partial']);
    expect(await within(closed, 2000)).to.not.equal('deadline');
    expect(cutOff).to.deep.equal(['hang stop']);
    expect(button.listenerCount('click')).to.equal(0);
  });

  it('the chat session: send while streaming and stop both close the request’s socket, keeping the partial text', async () => {
    const chat = createChatSession(provider);
    const until = (predicate: (state: ChatState) => boolean): Promise<ChatState> =>
      firstValueFrom(chat.state$.pipe(filter(predicate)));
    try {
      chat.send('hang one');
      await until((s) => s.pending === 'partial');
      let closed = server.socketClosed();
      chat.send('two');
      expect(await within(closed, 2000)).to.not.equal('deadline');
      await until((s) => s.status === 'idle');
      chat.send('hang three');
      await until((s) => s.pending === 'partial');
      closed = server.socketClosed();
      chat.stop();
      expect(await within(closed, 2000)).to.not.equal('deadline');
      expect(cutOff).to.deep.equal(['hang one', 'hang three']);
      const state = await until((s) => s.status === 'idle');
      expect(state.messages.map((m) => `${m.role}: ${String(m.content)}`)).to.deep.equal([
        'user: hang one',
        'assistant: partial',
        'user: two',
        'assistant: reply to two',
        'user: hang three',
        'assistant: partial',
      ]);
      expect(chat.conversation().messageHistory).to.deep.equal(state.messages);
    } finally {
      chat.close();
    }
  });
});
