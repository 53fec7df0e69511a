import * as net from 'node:net';
import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';
import { isText, type Chunk } from '../../lib/core/chunk.js';
import { YqcloudError } from '../../lib/core/error.js';
import { faultFromHeader, startEmulator, type Emulator, type Fault } from '../../lib/emulator/index.js';
import { withTimeouts } from '../../lib/operators/index.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { eventually } from '../support/eventually.js';

const validBody = { prompt: 'Hi', userId: '#/chat/1', network: true, system: '', withoutContext: false, stream: true };

const post = (
  emulator: Emulator,
  body: unknown,
  init: { path?: string; method?: string; headers?: Record<string, string> } = {},
) =>
  fetch(`${emulator.url}${init.path ?? '/api/generateStream'}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.method === 'GET' ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

interface Outcome {
  readonly text: string;
  readonly chunks: ReadonlyArray<Chunk>;
  readonly error: YqcloudError | undefined;
}

const reply = async (provider: YqcloudProvider, content = 'Hello', timeouts = {}): Promise<Outcome> => {
  const chunks: Array<Chunk> = [];
  let error: YqcloudError | undefined;
  await new Promise<void>((resolve) => {
    provider
      .create({ messages: [{ role: 'user', content }] })
      .pipe(withTimeouts(timeouts))
      .subscribe({
        next: (chunk) => chunks.push(chunk),
        error: (e: YqcloudError) => {
          error = e;
          resolve();
        },
        complete: () => resolve(),
      });
  });
  return {
    text: chunks
      .filter(isText)
      .map((c) => c.text)
      .join(''),
    chunks,
    error,
  };
};

describe('emulator', () => {
  let emulator: Emulator;
  let provider: YqcloudProvider;

  beforeEach(async () => {
    emulator = await startEmulator({ delayMs: 1, pieceChars: 5 });
    provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint, keepAlive: false });
  });

  afterEach(async () => {
    provider.destroy();
    await emulator.close();
  });

  describe('validates requests like the service', () => {
    it('answers a valid request with 200 and streamed text', async () => {
      const response = await post(emulator, validBody);
      expect(response.status).to.equal(200);
      expect(response.headers.get('transfer-encoding')).to.equal('chunked');
      expect(await response.text()).to.include('You said: "Hi"');
    });

    it('accepts a JSON content type with parameters', async () => {
      const response = await post(emulator, validBody, {
        headers: { 'content-type': 'Application/JSON; charset=utf-8' },
      });
      expect(response.status).to.equal(200);
      await response.text();
    });

    for (const [name, body, init, reason] of [
      ['a GET', validBody, { method: 'GET' }, 'method must be POST'],
      [
        'a non-JSON content type',
        validBody,
        { headers: { 'content-type': 'text/plain' } },
        'content-type must be application/json',
      ],
      [
        'a content type that only starts like JSON',
        validBody,
        { headers: { 'content-type': 'application/json-seq' } },
        'content-type must be application/json',
      ],
      ['a body that is not JSON', '{"prompt":', {}, 'not valid JSON'],
      ['a missing key', { ...validBody, userId: undefined }, {}, 'missing key "userId"'],
      ['a key of the wrong type', { ...validBody, stream: 'yes' }, {}, '"stream" must be a boolean'],
      ['an unknown key', { ...validBody, extra: 1 }, {}, 'unknown key "extra"'],
      ['an array', [validBody], {}, 'must be a JSON object'],
    ] as const)
      it(`refuses ${name} with 400 and a text reason`, async () => {
        const response = await post(emulator, body, init);
        expect(response.status).to.equal(400);
        expect(await response.text()).to.include(reason);
      });

    it('refuses a body over maxBodyBytes with 413', async () => {
      const small = await startEmulator({ maxBodyBytes: 100 });
      try {
        const response = await post(small, { ...validBody, prompt: 'x'.repeat(200) });
        expect(response.status).to.equal(413);
      } finally {
        await small.close();
      }
    });

    it('answers 404 on an unknown path', async () => {
      const response = await post(emulator, validBody, { path: '/api/other' });
      expect(response.status).to.equal(404);
    });

    it('records what it received', async () => {
      await post(emulator, validBody);
      await post(emulator, { nope: true });
      expect(emulator.requests.map((r) => [r.status, r.payload?.prompt])).to.deep.equal([
        [200, 'Hi'],
        [400, undefined],
      ]);
    });
  });

  it('listens on the given host and port, and writes pieceChars characters at a time', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const placed = await startEmulator({ host: '127.0.0.1', port, pieceChars: 100_000, delayMs: 0 });
    const client = new YqcloudProvider({ apiEndpoint: placed.apiEndpoint, keepAlive: false });
    try {
      expect(placed.url).to.equal(`http://127.0.0.1:${port}`);
      expect(placed.apiEndpoint).to.equal(`http://127.0.0.1:${port}/api/generateStream`);
      const whole = await reply(client);
      expect(whole.text).to.match(/^You said: "Hello"/);
      expect(whole.chunks.filter(isText)).to.have.length(1);
    } finally {
      client.destroy();
      await placed.close();
    }
  });

  describe('conversations', () => {
    it('answers deterministically, from the prompt', async () => {
      const first = await reply(provider, 'What is RxJS?');
      const again = await reply(provider, 'What is RxJS?');
      expect(first.text).to.equal(again.text);
      expect(first.text).to.match(/^You said: "What is RxJS\?"\. This is turn 1/);
    });

    it('keeps context per userId and forgets it with withoutContext', async () => {
      await (await post(emulator, { ...validBody, prompt: 'My name is Ada' })).text();
      const second = await (await post(emulator, { ...validBody, prompt: 'Who am I?' })).text();
      expect(second).to.include('turn 2').and.to.include('Earlier you said: "My name is Ada"');
      const other = await (await post(emulator, { ...validBody, userId: '#/chat/2', prompt: 'Who am I?' })).text();
      expect(other).to.include('turn 1');
      const stateless = await (await post(emulator, { ...validBody, prompt: 'x', withoutContext: true })).text();
      expect(stateless).to.include('turn 1');
    });

    it('forgets the least recently used conversation past maxConversations', async () => {
      const bounded = await startEmulator({ maxConversations: 2, delayMs: 0 });
      try {
        for (const id of ['a', 'b', 'a', 'c']) await (await post(bounded, { ...validBody, userId: id })).text();
        expect(bounded.conversations()).to.deep.equal(['a', 'c']);
      } finally {
        await bounded.close();
      }
    });
  });

  describe('faults (injectFault applies to the next request only)', () => {
    const cases: ReadonlyArray<readonly [Fault, (o: Outcome) => void]> = [
      [
        { kind: 'ban' },
        (o) => expect([o.error?.kind, o.error?.reason, o.text]).to.deep.equal(['Blocked', 'ip-banned', '']),
      ],
      [
        { kind: 'abnormal-traffic' },
        (o) => expect([o.error?.kind, o.error?.reason, o.text]).to.deep.equal(['Blocked', 'abnormal-traffic', '']),
      ],
      [
        { kind: 'html' },
        (o) => expect([o.error?.kind, o.error?.reason, o.text]).to.deep.equal(['Blocked', 'html-page', '']),
      ],
      [
        { kind: 'status', status: 503, retryAfterS: 2 },
        (o) => expect([o.error?.kind, o.error?.status, o.error?.retryAfterMs]).to.deep.equal(['Http', 503, 2000]),
      ],
      [
        { kind: 'reset', afterChars: 10 },
        (o) => {
          expect(o.error?.kind).to.equal('Network');
          expect(o.text.length).to.be.within(10, 14);
          expect(o.error?.partialText).to.equal(o.text);
        },
      ],
      [
        { kind: 'split-utf8' },
        (o) =>
          expect([o.error, o.text.endsWith('你好，世界 🌏.'), o.chunks.length > 20]).to.deep.equal([
            undefined,
            true,
            true,
          ]),
      ],
      [
        { kind: 'slow', delayMs: 5 },
        (o) => expect([o.error, o.text.startsWith('You said')]).to.deep.equal([undefined, true]),
      ],
    ];
    for (const [fault, check] of cases)
      it(`${JSON.stringify(fault)}`, async () => {
        emulator.injectFault(fault);
        check(await reply(provider));
        const next = await reply(provider);
        expect(next.error).to.equal(undefined);
        expect(emulator.requests.map((r) => r.fault?.kind)).to.deep.equal([fault.kind, undefined]);
      });

    it('hang before-headers and before-body: a first-chunk timeout', async () => {
      for (const phase of ['before-headers', 'before-body'] as const) {
        emulator.injectFault({ kind: 'hang', phase });
        const outcome = await reply(provider, 'Hi', { firstChunkMs: 200 });
        expect([outcome.error?.kind, outcome.error?.phase, outcome.text]).to.deep.equal(['Timeout', 'first-chunk', '']);
      }
    });

    it('hang mid-body: an idle timeout that keeps the partial text', async () => {
      emulator.injectFault({ kind: 'hang', phase: 'mid-body' });
      const outcome = await reply(provider, 'Hi', { idleMs: 200 });
      expect([outcome.error?.kind, outcome.error?.phase]).to.deep.equal(['Timeout', 'idle']);
      expect(outcome.text).to.equal('You s');
      expect(outcome.error?.partialText).to.equal('You s');
    });

    it('takes a fault from the x-emulator-fault header too, by name or as JSON', async () => {
      const byName = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint, headers: { 'x-emulator-fault': 'ban' } });
      const byJson = new YqcloudProvider({
        apiEndpoint: emulator.apiEndpoint,
        headers: { 'x-emulator-fault': JSON.stringify({ kind: 'status', status: 429, retryAfterS: 1 }) },
      });
      try {
        expect((await reply(byName)).error?.kind).to.equal('Blocked');
        const limited = (await reply(byJson)).error;
        expect([limited?.status, limited?.retryAfterMs]).to.deep.equal([429, 1000]);
        expect((await post(emulator, validBody, { headers: { 'x-emulator-fault': 'nonsense' } })).status).to.equal(400);
      } finally {
        byName.destroy();
        byJson.destroy();
      }
    });

    describe('every fault kind by the x-emulator-fault header', () => {
      const byHeader: ReadonlyArray<
        readonly [string, Fault, { firstChunkMs?: number; idleMs?: number }, (o: Outcome) => void]
      > = [
        [
          'ban',
          { kind: 'ban' },
          {},
          (o) => expect([o.error?.kind, o.error?.reason]).to.deep.equal(['Blocked', 'ip-banned']),
        ],
        [
          'abnormal-traffic',
          { kind: 'abnormal-traffic' },
          {},
          (o) => expect([o.error?.kind, o.error?.reason]).to.deep.equal(['Blocked', 'abnormal-traffic']),
        ],
        [
          'html',
          { kind: 'html' },
          {},
          (o) => expect([o.error?.kind, o.error?.reason]).to.deep.equal(['Blocked', 'html-page']),
        ],
        [
          'status',
          { kind: 'status', status: 503 },
          {},
          (o) => expect([o.error?.kind, o.error?.status]).to.deep.equal(['Http', 503]),
        ],
        [
          '{"kind":"status","status":429,"retryAfterS":1}',
          { kind: 'status', status: 429, retryAfterS: 1 },
          {},
          (o) => expect([o.error?.status, o.error?.retryAfterMs]).to.deep.equal([429, 1000]),
        ],
        [
          'reset',
          { kind: 'reset', afterChars: 10 },
          {},
          (o) => expect([o.error?.kind, o.text.length >= 10]).to.deep.equal(['Network', true]),
        ],
        [
          '{"kind":"reset","afterChars":0}',
          { kind: 'reset', afterChars: 0 },
          {},
          (o) => expect([o.error?.kind, o.text]).to.deep.equal(['Network', '']),
        ],
        [
          'hang',
          { kind: 'hang', phase: 'mid-body' },
          { idleMs: 200 },
          (o) => expect([o.error?.phase, o.text]).to.deep.equal(['idle', 'You s']),
        ],
        [
          '{"kind":"hang","phase":"before-headers"}',
          { kind: 'hang', phase: 'before-headers' },
          { firstChunkMs: 200 },
          (o) => expect([o.error?.kind, o.error?.phase]).to.deep.equal(['Timeout', 'first-chunk']),
        ],
        [
          '{"kind":"hang","phase":"before-body"}',
          { kind: 'hang', phase: 'before-body' },
          { firstChunkMs: 200 },
          (o) => expect([o.error?.kind, o.error?.phase]).to.deep.equal(['Timeout', 'first-chunk']),
        ],
        [
          'split-utf8',
          { kind: 'split-utf8' },
          {},
          (o) => expect([o.error, o.text.endsWith('🌏.'), o.chunks.length > 20]).to.deep.equal([undefined, true, true]),
        ],
        [
          '{"kind":"slow","delayMs":2}',
          { kind: 'slow', delayMs: 2 },
          {},
          (o) => expect([o.error, o.text.startsWith('You said')]).to.deep.equal([undefined, true]),
        ],
      ];
      for (const [header, fault, timeouts, check] of byHeader)
        it(header, async () => {
          const asking = new YqcloudProvider({
            apiEndpoint: emulator.apiEndpoint,
            keepAlive: false,
            headers: { 'x-emulator-fault': header },
          });
          try {
            check(await reply(asking, 'Hello', timeouts));
            expect(emulator.requests.map((r) => r.fault)).to.deep.equal([fault]);
          } finally {
            asking.destroy();
          }
        });

      it('the shorthand `slow` is 200 ms between pieces', () => {
        expect(faultFromHeader('slow')).to.deep.equal({ _tag: 'Right', right: { kind: 'slow', delayMs: 200 } });
      });
    });

    it('the fault option applies to every request without an injected fault or a header', async () => {
      const refusing = await startEmulator({ fault: { kind: 'ban' }, delayMs: 0 });
      const client = new YqcloudProvider({ apiEndpoint: refusing.apiEndpoint, keepAlive: false });
      try {
        expect((await reply(client)).error?.reason).to.equal('ip-banned');
        expect((await reply(client)).error?.reason).to.equal('ip-banned');
        refusing.injectFault({ kind: 'status', status: 502 });
        expect((await reply(client)).error?.status).to.equal(502);
        expect(refusing.requests.map((r) => r.fault?.kind)).to.deep.equal(['ban', 'ban', 'status']);
      } finally {
        client.destroy();
        await refusing.close();
      }
      let refused: unknown;
      await startEmulator({ fault: { kind: 'hang' } as Fault }).catch((e: unknown) => (refused = e));
      expect(refused).to.be.instanceOf(TypeError).with.property('message').that.match(/phase/);
    });

    it('refuses a malformed fault', () => {
      expect(() => emulator.injectFault({ kind: 'status', status: 99 } as Fault)).to.throw(TypeError, /status/);
    });
  });

  it('answers CORS preflights so a page on another origin can call it', async () => {
    const response = await fetch(emulator.apiEndpoint, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-emulator-fault',
      },
    });
    expect(response.status).to.equal(204);
    expect(response.headers.get('access-control-allow-origin')).to.equal('*');
    expect(response.headers.get('access-control-allow-headers'))
      .to.include('x-emulator-fault')
      .and.include('content-type');
    const post = await fetch(emulator.apiEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(validBody),
    });
    expect(post.headers.get('access-control-allow-origin')).to.equal('*');
    await post.text();
  });

  it('close() ends hanging requests and leaves no open handle', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
    const own = await startEmulator({ delayMs: 50 });
    const client = new YqcloudProvider({ apiEndpoint: own.apiEndpoint });
    own.injectFault({ kind: 'hang', phase: 'before-headers' });
    const hanging = lastValueFrom(client.create({ messages: [{ role: 'user', content: 'x' }] }).pipe(toArray())).catch(
      (e: unknown) => e,
    );
    const streaming = lastValueFrom(
      client.create({ messages: [{ role: 'user', content: 'y' }] }).pipe(toArray()),
    ).catch((e: unknown) => e);
    await eventually(() => own.openConnections() >= 2, 5_000, 'both requests to connect');
    await own.close();
    expect(own.openConnections()).to.equal(0);
    expect(await hanging)
      .to.be.instanceOf(YqcloudError)
      .and.have.property('kind', 'Network');
    expect(await streaming)
      .to.be.instanceOf(YqcloudError)
      .and.have.property('kind', 'Network');
    client.destroy();
    const tcp = (): number => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
    // a bound on the wait for the client's sockets to close, not a sleep that hopes they did
    await eventually(() => tcp() <= before, 2_000, `no TCP handle left (${process.getActiveResourcesInfo().join()})`);
  });
});
