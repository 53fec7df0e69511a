/**
 * `RelayProvider.checkpoints$` and `resume()` against the real relay (`createRelayHandler` with a
 * memory reply store) on loopback, with Node's fetch: a client that went away mid-reply (a page
 * reloaded) and another that picks the reply up from the last checkpoint.
 */
import { expect } from 'chai';
import { lastValueFrom, type Observable, toArray } from 'rxjs';
import { YqcloudError } from '../../lib/core/error.js';
import { Conversation, RelayProvider, type ReplyCheckpoint } from '../../lib/index.js';
import { conversation as conversationChunk, finish, text, type Chunk } from '../../lib/core/chunk.js';
import { startLoopbackServer } from '../support/loopbackServer.js';
import { sse, sseHeaders } from '../support/sseRelay.js';
import { pacedProvider, pacedText } from '../support/pacedProvider.js';
import { createMemoryReplyStore, createRelayHandler } from '../../lib/server/index.js';
import { listen, stopAll } from '../server/relay.support.js';

const words = 16;
const whole = pacedText(words);
const messages = [{ role: 'user' as const, content: 'words' }];
const alice = { authorization: 'Bearer alice-token' };
const bob = { authorization: 'Bearer bob-token' };
const unknownReply = `${'A'.repeat(24)}.1733580000000-3`;

const textOf = (chunks: ReadonlyArray<Chunk>): string =>
  chunks.map((chunk) => (chunk.type === 'text' ? chunk.text : '')).join('');

const until = async (condition: () => boolean, ms = 3000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('deadline');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/** A fetch that counts its calls and whose connections `kill()` cuts (a page going away). */
const killableFetch = () => {
  let kill = new AbortController();
  const calls: Array<{ readonly method: string; readonly lastEventId: string | null }> = [];
  return {
    calls,
    kill: () => {
      kill.abort();
      kill = new AbortController();
    },
    fetch: (input: string, init: RequestInit): Promise<Response> => {
      calls.push({ method: init.method ?? 'GET', lastEventId: new Headers(init.headers).get('last-event-id') });
      const signals = init.signal === undefined || init.signal === null ? [kill.signal] : [init.signal, kill.signal];
      return fetch(input, { ...init, signal: AbortSignal.any(signals) });
    },
  };
};

const failure = (source: Observable<Chunk>): Promise<unknown> =>
  lastValueFrom(source).then(
    () => undefined,
    (e: unknown) => e,
  );

describe('provider/RelayProvider: checkpoints$ and resume() against the relay (loopback)', function () {
  this.timeout(15_000);
  let url = '';
  let provider: ReturnType<typeof pacedProvider>;

  const start = async (keepsReplies = true): Promise<void> => {
    provider = pacedProvider(words);
    url = await listen(
      createRelayHandler({
        provider,
        authorize: (request) => {
          const header = request.headers.get('authorization');
          return header === alice.authorization ? 'alice' : header === bob.authorization ? 'bob' : false;
        },
        ...(keepsReplies ? { store: createMemoryReplyStore() } : {}),
      }),
    );
  };
  afterEach(() => stopAll());

  it('a client that went away mid-reply: another picks the reply up at its last checkpoint, every event once, one reply produced', async () => {
    await start();
    const page = killableFetch();
    const first = new RelayProvider({ url, headers: alice, fetch: page.fetch, resume: false });
    const checkpoints: Array<ReplyCheckpoint> = [];
    first.checkpoints$.subscribe((checkpoint) => checkpoints.push(checkpoint));
    const seen: Array<Chunk> = [];
    let firstError: unknown;
    first
      .create({ messages })
      .subscribe({ next: (chunk) => seen.push(chunk), error: (e: unknown) => (firstError = e) });
    await until(() => checkpoints.length >= 5);
    page.kill();
    await until(() => firstError !== undefined);

    const [named, ...rest] = checkpoints;
    const replyId = named?.replyId ?? '';
    expect(named).to.deep.equal({ replyId, lastEventId: `${replyId}.0-0`, text: '' });
    for (const checkpoint of rest) expect(checkpoint.replyId).to.equal(replyId);
    const cut = checkpoints.at(-1) as ReplyCheckpoint;
    expect(cut.text).to.equal(textOf(seen));
    expect(cut.text.length).to.be.within(1, whole.length - 10);

    // The reloaded page: another provider, the same client.
    const reloaded = new RelayProvider({ url, headers: alice });
    const later: Array<ReplyCheckpoint> = [];
    reloaded.checkpoints$.subscribe((checkpoint) => later.push(checkpoint));
    const resumed = await lastValueFrom(reloaded.resume(cut).pipe(toArray()));
    expect(cut.text + textOf(resumed)).to.equal(whole);
    expect(resumed.at(-1)).to.equal(finish);
    expect(resumed.filter((chunk) => chunk.type === 'finish')).to.have.length(1);
    // Its checkpoints go on from the cut, so a second reload would continue as well.
    expect(later.length).to.be.at.least(1);
    for (const checkpoint of later) {
      expect(checkpoint.replyId).to.equal(replyId);
      expect(whole.startsWith(checkpoint.text) && checkpoint.text.length > cut.text.length).to.equal(true);
    }
    expect(later.at(-1)?.text).to.equal(whole);
    expect(provider.created()).to.equal(1);
    expect(provider.abandoned()).to.equal(0);
  });

  it('is lazy; unsubscribing before the end stops the reply on the relay (DELETE)', async () => {
    await start();
    const checkpoints: Array<ReplyCheckpoint> = [];
    const page = killableFetch();
    const starter = new RelayProvider({ url, headers: alice, resume: false, fetch: page.fetch });
    starter.checkpoints$.subscribe((checkpoint) => checkpoints.push(checkpoint));
    starter.create({ messages }).subscribe({ error: () => {} });
    await until(() => checkpoints.length >= 2);
    page.kill();

    const reloaded = killableFetch();
    const resume$ = new RelayProvider({ url, headers: alice, fetch: reloaded.fetch }).resume(
      checkpoints.at(-1) as ReplyCheckpoint,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reloaded.calls).to.deep.equal([]);
    const received: Array<Chunk> = [];
    const subscription = resume$.subscribe((chunk) => received.push(chunk));
    await until(() => received.length >= 1);
    subscription.unsubscribe();
    await until(() => provider.abandoned() === 1);
    expect(reloaded.calls.map((call) => call.method)).to.deep.equal(['GET', 'DELETE']);
    expect(reloaded.calls[0]?.lastEventId).to.equal(checkpoints.at(-1)?.lastEventId);
  });

  it('a reply the relay does not know (unknown, expired) is Network EGONE with the text kept; one GET is sent', async () => {
    await start();
    const client = killableFetch();
    const error = await failure(
      new RelayProvider({ url, headers: alice, fetch: client.fetch }).resume({
        lastEventId: unknownReply,
        text: 'kept',
      }),
    );
    expect(error).to.be.instanceOf(YqcloudError);
    expect((error as YqcloudError).toJSON()).to.deep.include({ kind: 'Network', code: 'EGONE', partialText: 'kept' });
    expect(client.calls).to.deep.equal([{ method: 'GET', lastEventId: unknownReply }]);
  });

  it('a relay that keeps no replies answers 204: EGONE', async () => {
    await start(false);
    const error = await failure(new RelayProvider({ url, headers: alice }).resume({ lastEventId: unknownReply }));
    expect((error as YqcloudError).toJSON()).to.deep.include({ kind: 'Network', code: 'EGONE', partialText: '' });
  });

  it('another client’s reply is refused: Http 403, and its reply goes on', async () => {
    await start();
    const checkpoints: Array<ReplyCheckpoint> = [];
    const owner = new RelayProvider({ url, headers: alice });
    owner.checkpoints$.subscribe((checkpoint) => checkpoints.push(checkpoint));
    const reply = lastValueFrom(owner.create({ messages }).pipe(toArray()));
    await until(() => checkpoints.length >= 2);
    const error = await failure(new RelayProvider({ url, headers: bob }).resume(checkpoints.at(-1) as ReplyCheckpoint));
    expect((error as YqcloudError).toJSON()).to.deep.include({ kind: 'Http', status: 403 });
    expect(textOf(await reply)).to.equal(whole);
  });

  it('a point that is not a relay event id, or bad options, is InvalidRequest and nothing is sent', async () => {
    await start();
    const client = killableFetch();
    const relay = new RelayProvider({ url, headers: alice, fetch: client.fetch });
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [undefined, 'point.lastEventId'],
      ['abc.1-2', 'point'],
      [{ lastEventId: 'nonsense' }, 'point.lastEventId'],
      [{ lastEventId: `${unknownReply}\n` }, 'point.lastEventId'],
      [{ lastEventId: unknownReply, text: 3 }, 'point.text'],
      [{ lastEventId: unknownReply, replyId: 'B'.repeat(24) }, 'point.replyId'],
      [{ lastEventId: unknownReply, at: 1 }, 'point.at'],
      [{ lastEventId: unknownReply, conversation: { model: 'gpt-4' } }, 'point.conversation.userId'],
      // More variants: huge, CRLF and header injection, unicode digits, a number, an inherited id.
      [{ lastEventId: `${'A'.repeat(24)}.${'1'.repeat(1_000_000)}-3` }, 'point.lastEventId'],
      [{ lastEventId: 'A'.repeat(1_000_000) }, 'point.lastEventId'],
      [{ lastEventId: `${unknownReply}\r\nx-injected: 1` }, 'point.lastEventId'],
      [{ lastEventId: `${unknownReply}\r` }, 'point.lastEventId'],
      [{ lastEventId: `\n${unknownReply}` }, 'point.lastEventId'],
      [{ lastEventId: `${'A'.repeat(24)}.\u0661\u0662-3` }, 'point.lastEventId'],
      [{ lastEventId: `${'Å'.repeat(24)}.1-3` }, 'point.lastEventId'],
      [{ lastEventId: 17 }, 'point.lastEventId'],
      [Object.create({ lastEventId: unknownReply }), 'point.lastEventId'],
    ];
    for (const [from, path] of cases) {
      const error = await failure(relay.resume(from as ReplyCheckpoint));
      expect((error as YqcloudError).toJSON(), JSON.stringify(from)).to.deep.include({ kind: 'InvalidRequest', path });
    }
    const badOptions = await failure(new RelayProvider({ url: 'ftp://relay' }).resume({ lastEventId: unknownReply }));
    expect((badOptions as YqcloudError).kind).to.equal('InvalidRequest');
    expect(client.calls).to.deep.equal([]);
  });

  it('with the conversation the reply continues, the returned one gets back the history a budget kept from the relay', async () => {
    const replyId = 'mJ3xQ0d6Z2dO9m1sXk3P_a7b';
    const whole = Conversation.make('gpt-4', () => 1);
    const before = [
      { role: 'user' as const, content: 'one' },
      { role: 'assistant' as const, content: 'uno' },
      { role: 'user' as const, content: 'two' },
      { role: 'assistant' as const, content: 'dos' },
    ];
    const turn = [
      { role: 'user' as const, content: 'three' },
      { role: 'assistant' as const, content: 'tres' },
    ];
    // What the relay returns for a request trimmed to the last turn by a historyBudget.
    const returned = { ...whole, userId: '#/chat/minted', messageHistory: [...before.slice(2), ...turn] };
    const asked: Array<string | undefined> = [];
    const server = await startLoopbackServer((req, res) => {
      asked.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(200, { ...sseHeaders, 'x-reply-id': replyId });
      res.end(
        `id: ${replyId}.1-3\n${sse('text', { text: 's' })}` +
          `id: ${replyId}.1-4\n${sse('conversation', Conversation.toJson(returned))}` +
          `id: ${replyId}.1-5\n${sse('finish', { reason: 'stop' })}`,
      );
    });
    try {
      const relay = new RelayProvider({ url: `${server.origin}/api/chat`, headers: alice });
      const point = { lastEventId: `${replyId}.1-2`, text: 'tre' };
      const restored = await lastValueFrom(
        relay.resume({ ...point, conversation: { ...whole, messageHistory: before } }).pipe(toArray()),
      );
      expect(restored).to.deep.equal([
        text('s'),
        conversationChunk({ ...returned, messageHistory: [...before, ...turn] }),
        finish,
      ]);
      const asSent = await lastValueFrom(relay.resume(point).pipe(toArray()));
      expect(asSent[1]).to.deep.equal(conversationChunk(returned));
      expect(asked).to.deep.equal([point.lastEventId, point.lastEventId]);
    } finally {
      await server.close();
    }
  });
});
