import { expect } from 'chai';
import { catchError, concat, NEVER, of, throwError, type Observable } from 'rxjs';
import { YqcloudError } from '../../lib/core/error.js';
import type { ResponseEvent } from '../../lib/http/transport.js';
import type { YqcloudProviderOptions } from '../../lib/provider/options.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { closedPort } from '../support/closedPort.js';
import { collect } from '../support/collect.js';
import { startLoopbackServer } from '../support/loopbackServer.js';
import { testScheduler } from '../support/marbles.js';

const messages = [{ role: 'user' as const, content: 'Hi' }];
const head: ResponseEvent = { type: 'head', status: 200, headers: {} };
const body = (data: string): ResponseEvent => ({ type: 'body', data });

/** A provider whose service answers with `events` (virtual time inside `TestScheduler.run`). */
const answering = (events: Observable<ResponseEvent>, options: YqcloudProviderOptions = {}): YqcloudProvider =>
  new YqcloudProvider({ ...options, transport: () => events });

/** The error as `{ kind, phase, timeoutMs }`, emitted as a value. */
const settled = (reply$: Observable<unknown>): Observable<unknown> =>
  reply$.pipe(
    catchError((e: unknown) =>
      of(e instanceof YqcloudError ? { kind: e.kind, phase: e.phase, timeoutMs: e.timeoutMs } : e),
    ),
  );
const timeout = (timeoutMs: number) => ({ t: { kind: 'Timeout', phase: 'first-chunk', timeoutMs } });

const isTimeout = (e: unknown): boolean => e instanceof YqcloudError && e.kind === 'Timeout';

describe('provider: defaults that never wait forever', () => {
  it('with no timeout option, a server that never answers fails with Timeout (first-chunk) at 30 s, well within two minutes', () => {
    testScheduler().run(({ expectObservable }) => {
      const reply$ = answering(NEVER).create({ messages });
      expectObservable(settled(reply$)).toBe('30s (t|)', timeout(30_000));
    });
  });

  it('with no timeout option, a server that sends its head and then nothing fails with Timeout (first-chunk) at 60 s', () => {
    testScheduler().run(({ expectObservable, cold }) => {
      const reply$ = answering(concat(cold('a', { a: head }), NEVER)).create({ messages });
      expectObservable(settled(reply$)).toBe('60s (t|)', timeout(60_000));
    });
  });

  it('firstChunkTimeoutMs and headersTimeoutMs change the deadlines; 0 turns them off', () => {
    testScheduler().run(({ expectObservable, cold }) => {
      expectObservable(settled(answering(NEVER, { firstChunkTimeoutMs: 2_000 }).create({ messages }))).toBe(
        '2s (t|)',
        timeout(2_000),
      );
      expectObservable(
        settled(answering(NEVER, { firstChunkTimeoutMs: 200_000, headersTimeoutMs: 90_000 }).create({ messages })),
      ).toBe('90s (t|)', timeout(90_000));
      expectObservable(
        answering(NEVER, { firstChunkTimeoutMs: 0, headersTimeoutMs: 0 }).create({ messages }),
        '^ 1000s !',
      ).toBe('');
      // text that arrives in time is never cut off, however long the reply then takes
      expectObservable(
        answering(concat(cold('a 59s b 100s |', { a: head, b: body('Hi') })), {}).create({ messages }),
      ).toBe('- 59s a 100s (f|)', { a: { type: 'text', text: 'Hi' }, f: { type: 'finish', reason: 'stop' } });
    });
  });

  it('the error says which deadline passed and how to change it', async () => {
    const server = await startLoopbackServer(() => undefined); // accepts, never answers
    try {
      const provider = new YqcloudProvider({ apiEndpoint: server.endpoint, headersTimeoutMs: 300 });
      const error = await new Promise<unknown>((resolve) =>
        provider.create({ messages }).subscribe({ error: resolve, complete: () => resolve(undefined) }),
      );
      provider.destroy();
      expect(isTimeout(error)).to.equal(true);
      expect(error).to.include({ phase: 'first-chunk', timeoutMs: 300 });
      expect((error as Error).message).to.include('headersTimeoutMs');
    } finally {
      await server.close();
    }
  });

  it('a refused connection still fails at once with Network, not a timeout', async () => {
    const port = await closedPort();
    const provider = new YqcloudProvider({ apiEndpoint: `http://127.0.0.1:${port}/api/generateStream` });
    const error = await new Promise<unknown>((resolve) => provider.create({ messages }).subscribe({ error: resolve }));
    provider.destroy();
    expect(error).to.be.instanceOf(YqcloudError).and.include({ kind: 'Network' });
  });
});

describe('provider: a network error against the real service says what to try offline', () => {
  const unreachable = () =>
    throwError(() => Object.assign(new Error('getaddrinfo ENOTFOUND api.binjie.fun'), { code: 'ENOTFOUND' }));

  it('ENOTFOUND against the default endpoint offers the emulator and YQCLOUD_API_ENDPOINT', async () => {
    const provider = new YqcloudProvider({ transport: unreachable });
    const { error } = await collect(provider.create({ messages }));
    expect(error).to.include({ kind: 'Network', code: 'ENOTFOUND' });
    expect((error as Error).message)
      .to.include('getaddrinfo ENOTFOUND api.binjie.fun')
      .and.include('emulator')
      .and.include('YQCLOUD_API_ENDPOINT');
  });

  it('another endpoint, or another failure, gets no such hint', async () => {
    const mirror = new YqcloudProvider({
      transport: unreachable,
      apiEndpoint: 'http://mirror.example/api/generateStream',
    });
    expect(((await collect(mirror.create({ messages }))).error as Error).message).to.not.include('emulator');
    const reset = new YqcloudProvider({
      transport: () => throwError(() => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
    });
    expect(((await collect(reset.create({ messages }))).error as Error).message).to.not.include('emulator');
  });
});
