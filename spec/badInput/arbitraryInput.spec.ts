/**
 * Anything at all, and near misses, fed to every public entry point of the client: `create`,
 * `Conversation.fromJson`, the provider's options and the operators' options. Each either gives
 * a valid result or a typed error (`InvalidRequest` on the client side), never throws
 * synchronously, and never sends a request for an invalid input (a real loopback server counts
 * requests and connections).
 */
import axios from 'axios';
import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import {
  asyncScheduler,
  defer,
  Observable,
  of,
  queueScheduler,
  VirtualTimeScheduler,
  type OperatorFunction,
} from 'rxjs';
import { finish, text, type Chunk } from '../../lib/core/chunk.js';
import { Conversation } from '../../lib/core/conversation.js';
import { YqcloudError } from '../../lib/core/error.js';
import { validateRequest, type ChatRequest } from '../../lib/core/request.js';
import { bufferText } from '../../lib/operators/bufferText.js';
import { retryTransient } from '../../lib/operators/retryTransient.js';
import { withTimeouts } from '../../lib/operators/withTimeouts.js';
import {
  endpointFromEnvironment,
  validateProviderOptions,
  type YqcloudProviderOptions,
} from '../../lib/provider/options.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { contentArb, conversationArb, messageArb, roleArb, stringMessageArb } from '../support/arbitraries.js';
import { closedPort } from '../support/closedPort.js';
import { collect, type Collected } from '../support/collect.js';
import { startLoopbackServer, type LoopbackServer } from '../support/loopbackServer.js';
import { checkCounted } from './runCount.js';
import { thrownBy } from '../support/thrownBy.js';

/** Everything fc.anything can build, exotic containers included. */
const anythingArb = fc.anything({
  withNullPrototype: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withSparseArray: true,
  withBigInt: true,
  withDate: true,
  withBoxedValues: true,
});

const texts = (chunks: ReadonlyArray<Chunk>): string =>
  chunks.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('');

const expectInvalidRequest = (error: unknown): YqcloudError => {
  expect(error, `not an InvalidRequest: ${String(error)}`)
    .to.be.instanceOf(YqcloudError)
    .and.have.property('kind', 'InvalidRequest');
  const e = error as YqcloudError;
  expect(e).to.be.instanceOf(Error);
  expect(e.message).to.be.a('string').and.not.equal('');
  expect(e.partialText).to.equal('');
  return e;
};

describe('bad input: arbitrary values at every client entry point', () => {
  let server: LoopbackServer;
  let provider: YqcloudProvider;
  let refusedProxy: string;

  before(async () => {
    server = await startLoopbackServer((_req, res) => res.end('ok'));
    provider = new YqcloudProvider({ apiEndpoint: server.endpoint, now: () => 1700000000000 });
    refusedProxy = `http://127.0.0.1:${await closedPort()}`;
  });

  after(async () => {
    provider.destroy();
    await server.close();
  });

  /**
   * Subscribes to `create(u)` and checks the outcome against validateRequest: an invalid request
   * fails with InvalidRequest and sends nothing; a valid one is answered (or fails with a typed
   * error of another kind, when its proxy refuses).
   */
  const createOutcome = async (target: YqcloudProvider, u: unknown): Promise<void> => {
    const requests = server.requests.length;
    const connections = server.connections;
    let observable: Observable<Chunk> | undefined;
    expect(() => {
      observable = target.create(u as ChatRequest);
    }).to.not.throw();
    const { values, error, completed }: Collected<Chunk> = await collect(observable as Observable<Chunk>);
    const verdict = validateRequest(u);
    if (E.isLeft(verdict)) {
      expectInvalidRequest(error);
      expect((error as YqcloudError).path).to.equal(verdict.left.path);
      expect(values).to.have.length(0);
      expect(server.requests.length, 'a request was sent for an invalid input').to.equal(requests);
      expect(server.connections, 'a connection was opened for an invalid input').to.equal(connections);
      return;
    }
    const valid = verdict.right;
    if (valid.signal._tag === 'Some' && valid.signal.value.aborted) {
      expect({ values, completed }).to.deep.equal({ values: [], completed: true });
      expect(server.requests.length).to.equal(requests);
      return;
    }
    if (valid.proxy._tag === 'Some') {
      // Only the refused proxy is ever valid here.
      expect(error).to.include({ kind: 'Network' });
      expect(server.requests.length).to.equal(requests);
      return;
    }
    expect(error, String(error)).to.equal(undefined);
    expect({ completed }).to.deep.equal({ completed: true });
    expect(texts(values)).to.equal('ok');
    expect(values.at(-1)).to.deep.equal(finish);
    expect(values.filter((c) => c.type === 'conversation')).to.have.length(valid.returnConversation ? 1 : 0);
    expect(server.requests.length).to.equal(requests + 1);
  };

  describe('provider.create(request)', () => {
    it('anything at all: InvalidRequest on subscribe, no request, no synchronous throw', async () => {
      await checkCounted(
        fc.asyncProperty(anythingArb, (u) => createOutcome(provider, u)),
        { numRuns: 1500 },
      );
      expect(server.requests).to.have.length(0);
    });

    it('near misses (messages arrays of random things, random options): valid → a reply, invalid → InvalidRequest and no request', async () => {
      const nearMessage = fc.oneof(
        { weight: 4, arbitrary: messageArb },
        fc.record({
          role: fc.oneof(roleArb, fc.string(), fc.anything()),
          content: fc.oneof(contentArb, fc.anything()),
        }),
        fc.record(
          {
            role: roleArb,
            content: fc.array(
              fc.oneof(
                fc.record({ type: fc.constant('text'), text: fc.string() }),
                fc.record({ type: fc.constantFrom('image_url', 'Text', ''), text: fc.anything() }),
                fc.anything(),
              ),
              { maxLength: 3 },
            ),
          },
          { requiredKeys: ['role'] },
        ),
        fc.anything(),
      );
      const signalArb = fc.oneof(
        fc.constant(undefined),
        fc.constant(AbortSignal.abort()),
        fc.constant(new AbortController().signal),
        fc.record({
          aborted: fc.boolean(),
          addEventListener: fc.constant(() => {}),
          removeEventListener: fc.constant(() => {}),
        }),
        fc.record({ aborted: fc.anything() }),
        fc.anything(),
      );
      const requestArb = fc
        .tuple(
          fc.record(
            {
              messages: fc.oneof(
                { weight: 5, arbitrary: fc.array(nearMessage, { maxLength: 5 }) },
                fc.constant([]),
                fc.anything(),
              ),
              model: fc.oneof(
                fc.constantFrom(undefined, '', 'gpt-4', 'GPT-4', 'gpt-3.5-turbo'),
                fc.string(),
                fc.anything(),
              ),
              stream: fc.oneof(fc.boolean(), fc.constant(undefined), fc.anything()),
              proxy: fc.oneof(
                fc.constantFrom(
                  undefined,
                  '',
                  'ftp://u:p@h',
                  'http://',
                  'http://h/path',
                  'no url',
                  'socks9://h:1',
                  refusedProxy,
                ),
                fc.string(),
                fc.anything(),
              ),
              conversation: fc.oneof(
                fc.constant(undefined),
                conversationArb,
                fc.record({
                  model: fc.anything(),
                  userId: fc.anything(),
                  messageHistory: fc.array(fc.anything(), { maxLength: 3 }),
                }),
                fc.record({
                  model: fc.string(),
                  userId: fc.string(),
                  message_history: fc.array(stringMessageArb, { maxLength: 2 }),
                }),
                fc.anything(),
              ),
              returnConversation: fc.oneof(fc.boolean(), fc.constant(undefined), fc.anything()),
              signal: signalArb,
            },
            { requiredKeys: [] },
          ),
          fc.oneof(
            { weight: 6, arbitrary: fc.constant({}) },
            fc.dictionary(fc.string(), fc.anything(), { maxKeys: 2 }),
          ),
        )
        .map(([request, extra]) => ({ ...extra, ...request }));
      await checkCounted(
        fc.asyncProperty(requestArb, (u) => createOutcome(provider, u)),
        { numRuns: 2000 },
      );
      // Some near misses were valid and answered: the property saw both sides.
      expect(server.requests.length).to.be.greaterThan(0);
    });

    it('createAsyncGenerator rejects an invalid request on the first next(), without a request', async () => {
      await checkCounted(
        fc.asyncProperty(anythingArb, async (u) => {
          fc.pre(E.isLeft(validateRequest(u)));
          const requests = server.requests.length;
          let generator: AsyncGenerator<Chunk, void, undefined> | undefined;
          expect(() => {
            generator = provider.createAsyncGenerator(u as ChatRequest);
          }).to.not.throw();
          const outcome = await (generator as AsyncGenerator<Chunk, void, undefined>).next().then(
            () => 'resolved',
            (e: unknown) => e,
          );
          expectInvalidRequest(outcome);
          expect(server.requests.length).to.equal(requests);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('Conversation.fromJson', () => {
    const decodedWell = (u: unknown): void => {
      let result: ReturnType<typeof Conversation.fromJson> | undefined;
      expect(() => {
        result = Conversation.fromJson(u);
      }).to.not.throw();
      const r = result as ReturnType<typeof Conversation.fromJson>;
      if (E.isLeft(r)) {
        expect(r.left._tag).to.equal('ConversationDecodeError');
        expect(r.left.message)
          .to.be.a('string')
          .and.match(/^not a conversation: /);
        return;
      }
      const c = r.right;
      expect(c.model).to.be.a('string');
      expect(c.userId).to.be.a('string');
      expect(c.messageHistory.filter((m) => typeof m.content !== 'string')).to.deep.equal([]);
      // A decoded conversation survives its own JSON round trip.
      expect(Conversation.fromJson(JSON.parse(JSON.stringify(Conversation.toJson(c))))).to.deep.equal(E.right(c));
    };

    it('anything at all: Right of a sound conversation, or Left of a ConversationDecodeError', async () => {
      await checkCounted(fc.property(anythingArb, decodedWell), { numRuns: 1500 });
    });

    it('near misses: message_history of random things, wrong field names and types', async () => {
      const near = fc
        .tuple(
          fc.record(
            {
              model: fc.oneof(fc.string(), fc.anything()),
              userId: fc.oneof(
                fc.nat().map((n) => `#/chat/${n}`),
                fc.anything(),
              ),
              message_history: fc.oneof(
                {
                  weight: 3,
                  arbitrary: fc.array(fc.oneof(stringMessageArb, messageArb, fc.anything()), { maxLength: 4 }),
                },
                fc.anything(),
              ),
              messageHistory: fc.array(stringMessageArb, { maxLength: 2 }),
            },
            { requiredKeys: [] },
          ),
          fc.dictionary(fc.string(), fc.anything(), { maxKeys: 2 }),
        )
        .map(([c, extra]) => ({ ...extra, ...c }));
      await checkCounted(fc.property(near, decodedWell), { numRuns: 1500 });
    });

    it('accepts every conversation toJson produces', async () => {
      await checkCounted(
        fc.property(conversationArb, (c) => {
          expect(Conversation.fromJson(JSON.parse(JSON.stringify(Conversation.toJson(c))))).to.deep.equal(E.right(c));
        }),
        { numRuns: 300 },
      );
    });

    it('a hostile object (throwing getter, Proxy) is a Left, not a throw', () => {
      const getter = Object.defineProperty({}, 'model', {
        enumerable: true,
        get: () => {
          throw new Error('no');
        },
      });
      const trap = new Proxy(
        {},
        {
          get: () => {
            throw new Error('no');
          },
        },
      );
      for (const u of [getter, trap]) expect(Conversation.fromJson(u)).to.have.property('_tag', 'Left');
    });
  });

  describe('provider options', () => {
    const hello = { messages: [{ role: 'user', content: 'Hi' }] } as const;
    const axiosInstance = axios.create();

    /**
     * Constructs a provider from `u` (never throws), then checks that invalid options fail every
     * request with InvalidRequest before anything is sent, and valid ones reach the loopback server.
     */
    const optionsOutcome = async (u: unknown): Promise<void> => {
      let target: YqcloudProvider | undefined;
      expect(() => {
        target = new YqcloudProvider(u as YqcloudProviderOptions);
      }).to.not.throw();
      const p = target as YqcloudProvider;
      try {
        const config = validateProviderOptions(u);
        const fromOptions = YqcloudProvider.fromOptions(u);
        expect(E.isLeft(fromOptions)).to.equal(E.isLeft(config));
        expect(p.apiEndpoint).to.be.a('string');
        if (E.isRight(config)) {
          expect(p.apiEndpoint).to.equal(config.right.apiEndpoint ?? E.getOrElse(() => '')(endpointFromEnvironment()));
          // Only the loopback endpoint is ever called: a valid config naming another one (the
          // real service by default) is not subscribed to.
          if (p.apiEndpoint !== server.endpoint) return;
        }
        const requests = server.requests.length;
        const connections = server.connections;
        const { values, error } = await collect(p.create(hello));
        if (E.isLeft(config)) {
          expectInvalidRequest(error);
          expect((error as YqcloudError).path).to.equal(config.left.path);
          expect(values).to.have.length(0);
          expect(server.requests.length, 'a request was sent with invalid options').to.equal(requests);
          expect(server.connections).to.equal(connections);
          return;
        }
        // Valid options: a reply, or a typed failure that is not the caller's fault (a tiny
        // maxResponseBytes makes 'ok' too large).
        // A `ca` that passes the option check but is no X.509 certificate is refused by the
        // Node transport (node:crypto), still before anything is sent.
        if (error !== undefined) {
          expect(error, String(error)).to.be.instanceOf(YqcloudError);
          if ((error as YqcloudError).path === 'ca') {
            expect(server.requests, 'a request was sent with a bogus ca').to.have.lengthOf(requests);
            return;
          }
          expect((error as YqcloudError).kind).to.not.equal('InvalidRequest');
        } else expect(texts(values)).to.equal('ok');
      } finally {
        p.destroy();
      }
    };

    it('anything at all: the constructor never throws, and invalid options fail each request with InvalidRequest', async () => {
      await checkCounted(fc.asyncProperty(anythingArb, optionsOutcome), { numRuns: 1000 });
    });

    it('near misses: each option wrong in every way, or right', async () => {
      const pem = '-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n';
      const optionsArb = fc
        .tuple(
          fc.record(
            {
              apiEndpoint: fc.oneof(
                { weight: 4, arbitrary: fc.constant(server.endpoint) },
                fc.constantFrom(
                  '',
                  'not a url',
                  'ftp://127.0.0.1/x',
                  'file:///etc/passwd',
                  `ws://127.0.0.1:${server.port}/`,
                  'http://',
                ),
                fc.string(),
                fc.anything(),
              ),
              headers: fc.oneof(
                fc.constant(undefined),
                fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), fc.stringMatching(/^[ -~]{0,12}$/), {
                  maxKeys: 2,
                }),
                fc.dictionary(
                  fc.string({ unit: 'binary', maxLength: 6 }),
                  fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.anything()),
                  { maxKeys: 2 },
                ),
                fc.constantFrom({ 'x-a': 'v\r\nx-b: evil' }, { 'x a': 'v' }, { 'x-a': 'v\0' }, { '': 'v' }),
                fc.anything(),
              ),
              axios: fc.oneof(
                fc.constant(undefined),
                fc.constant(axiosInstance),
                fc.constant({ request: 1 }),
                fc.anything(),
              ),
              ca: fc.oneof(
                fc.constantFrom(undefined, pem, 'trust me', ''),
                fc.uint8Array({ maxLength: 8 }),
                fc.anything(),
              ),
              maxResponseBytes: fc.oneof(
                fc.constantFrom(undefined, 0, -1, 1, 2, 1.5, NaN, Infinity, -0, 2 ** 53, 8 * 1024 * 1024),
                fc.integer(),
                fc.double(),
                fc.anything(),
              ),
              keepAlive: fc.oneof(fc.boolean(), fc.constant(undefined), fc.anything()),
              transport: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, fc.anything()),
              now: fc.oneof(
                fc.constant(undefined),
                fc.constant(() => 1700000000000),
                fc.anything(),
              ),
            },
            { requiredKeys: [] },
          ),
          fc.oneof(
            { weight: 6, arbitrary: fc.constant({}) },
            fc.dictionary(fc.string(), fc.anything(), { maxKeys: 2 }),
          ),
        )
        .map(([options, extra]) => ({ ...extra, ...options }));
      const before = server.requests.length;
      await checkCounted(fc.asyncProperty(optionsArb, optionsOutcome), { numRuns: 1000 });
      expect(server.requests.length).to.be.greaterThan(before);
    });

    it('reports invalid options on subscribe, not on construction', async () => {
      const p = new YqcloudProvider({ maxResponseBytes: -1, apiEndpoint: server.endpoint });
      const requests = server.requests.length;
      const observable = p.create(hello);
      const { error } = await collect(observable);
      expect(error).to.include({ kind: 'InvalidRequest', path: 'maxResponseBytes' });
      expect(server.requests.length).to.equal(requests);
      p.destroy();
    });

    it('an endpoint without a usable toString, or a throwing getter, does not make the constructor throw', async () => {
      const hostile: ReadonlyArray<unknown> = [
        { apiEndpoint: Object.create(null) },
        { apiEndpoint: { toString: 0 } },
        Object.defineProperty({}, 'apiEndpoint', {
          enumerable: true,
          get: () => {
            throw new Error('no');
          },
        }),
      ];
      for (const u of hostile) {
        let p: YqcloudProvider | undefined;
        expect(() => {
          p = new YqcloudProvider(u as YqcloudProviderOptions);
        }).to.not.throw();
        expectInvalidRequest((await collect((p as YqcloudProvider).create(hello))).error);
      }
    });

    it('a transport that returns something other than an Observable, or throws, fails with InvalidRequest', async () => {
      const broken: ReadonlyArray<unknown> = [
        () => undefined,
        () => Promise.resolve({ type: 'head', status: 200, headers: {} }),
        () => [{ type: 'body', data: 'x' }],
        () => {
          throw new Error('boom');
        },
      ];
      for (const transport of broken) {
        const p = new YqcloudProvider({ transport } as YqcloudProviderOptions);
        const error = expectInvalidRequest((await collect(p.create(hello))).error);
        expect(error.message).to.match(/^transport: /);
      }
    });
  });

  describe('operator options (bufferText, withTimeouts, retryTransient)', () => {
    type Operator = (options?: never) => OperatorFunction<Chunk, Chunk>;
    const operators: ReadonlyArray<readonly [string, Operator]> = [
      ['bufferText', bufferText as Operator],
      ['withTimeouts', withTimeouts as Operator],
      ['retryTransient', retryTransient as Operator],
    ];

    // Valid durations stay below 2^31 ms: past it Node clamps the timer to 1 ms (see the pending
    // known-bug test below), which would only add TimeoutOverflowWarnings here.
    const numberish = fc.oneof(
      fc.constantFrom(undefined, NaN, Infinity, -Infinity, -1, -0, 0, 0.5, 1, 3, 10, 2 ** 31 - 1),
      fc.integer({ min: -1000, max: 100_000 }),
      fc.double({ min: -1e6, max: 1e6 }),
      fc.string({ maxLength: 4 }),
      fc.anything().filter((u) => typeof u !== 'number' || !(u >= 2 ** 31)),
    );
    const schedulerish = fc.oneof(
      fc.constantFrom(
        undefined,
        asyncScheduler,
        queueScheduler,
        new VirtualTimeScheduler(),
        'async',
        { now: 1 },
        { schedule: () => undefined },
      ),
      fc.anything(),
    );
    const nearOptions = fc
      .tuple(
        fc.record(
          {
            timeMs: numberish,
            maxChars: numberish,
            boundary: fc.oneof(
              fc.constantFrom(undefined, 'word', 'sentence', 'line', 'Word', 'paragraph', ''),
              fc.anything(),
            ),
            firstChunkMs: numberish,
            idleMs: numberish,
            totalMs: numberish,
            maxRetries: numberish,
            baseDelayMs: numberish,
            maxDelayMs: numberish,
            random: fc.oneof(
              fc.constant(undefined),
              fc.constant(() => 0.5),
              fc.anything(),
            ),
            scheduler: schedulerish,
          },
          { requiredKeys: [] },
        ),
        fc.dictionary(fc.string(), fc.anything(), { maxKeys: 2 }),
      )
      .map(([o, extra]) => ({ ...extra, ...o }));

    /** The source, counting its subscriptions: it must never be subscribed to with bad options. */
    const countedSource = (): { readonly source: Observable<Chunk>; readonly subscriptions: () => number } => {
      let subscriptions = 0;
      return {
        source: defer(() => {
          subscriptions += 1;
          return of(text('Hello '), text('world'), finish);
        }),
        subscriptions: () => subscriptions,
      };
    };

    const operatorOutcome = (name: string, operator: Operator, u: unknown): void => {
      const { source, subscriptions } = countedSource();
      let made: OperatorFunction<Chunk, Chunk> | undefined;
      let thrown: unknown;
      try {
        made = operator(u as never);
      } catch (e) {
        thrown = e;
      }
      if (made === undefined) {
        // The one rule for a bad option (RxJS's): the operator throws an InvalidRequest when made.
        const e = expectInvalidRequest(thrown);
        expect(e.path ?? '').to.match(new RegExp(`^${name}(\\.|$)`));
        expect(subscriptions()).to.equal(0);
        return;
      }
      const piped = source.pipe(made);
      const values: Array<Chunk> = [];
      let error: unknown;
      let completed = false;
      expect(() =>
        piped
          .subscribe({
            next: (c) => values.push(c),
            error: (e: unknown) => (error = e),
            complete: () => (completed = true),
          })
          .unsubscribe(),
      ).to.not.throw();
      if (error !== undefined && name === 'withTimeouts' && YqcloudError.is(error, 'Timeout')) {
        // Valid options can still time out: a 0 ms deadline on a synchronous scheduler
        // (queueScheduler runs a 0-delay action at once) fires before the source emits.
        expect(error.timeoutMs).to.equal(0);
        return;
      }
      expect(error, 'a made operator never fails for its options').to.equal(undefined);
      // Valid options over a synchronous source: the same text, then finish, nothing left behind.
      expect({ completed }).to.deep.equal({ completed: true });
      expect(texts(values)).to.equal('Hello world');
      expect(values.at(-1)).to.deep.equal(finish);
      expect(subscriptions()).to.equal(1);
    };

    for (const [name, operator] of operators) {
      it(`${name}(anything): InvalidRequest thrown when made, else a working operator`, async () => {
        await checkCounted(
          fc.property(anythingArb, (u) => operatorOutcome(name, operator, u)),
          { numRuns: 500 },
        );
      });

      it(`${name}(near-miss options): valid → the same reply, invalid → InvalidRequest naming the option`, async () => {
        await checkCounted(
          fc.property(nearOptions, (u) => operatorOutcome(name, operator, u)),
          { numRuns: 500 },
        );
      });
    }

    it('a duration of 2^31 ms or more (which a timer would fire at once) is refused with InvalidRequest', () => {
      const tooLong = [
        () => bufferText({ timeMs: 2 ** 31 }),
        () => withTimeouts({ totalMs: 2 ** 31 }),
        () => withTimeouts({ idleMs: 2 ** 40 }),
        () => retryTransient({ maxDelayMs: 2 ** 31 }),
        () => retryTransient({ baseDelayMs: 2 ** 31 }),
      ];
      for (const make of tooLong)
        expect(expectInvalidRequest(thrownBy(make)).message).to.match(/duration from 0 to 2147483647 ms/);
      let failure: unknown;
      new Observable<Chunk>((subscriber) => subscriber.next(text('a')))
        .pipe(withTimeouts({ totalMs: 2 ** 31 - 1 }))
        .subscribe({ error: (e: unknown) => (failure = e) })
        .unsubscribe();
      expect(failure).to.equal(undefined);
    });

    it('an options object with a throwing getter is an InvalidRequest thrown when the operator is made', () => {
      const throwing = {
        enumerable: true,
        get: (): never => {
          throw new Error('no');
        },
      };
      for (const [name, operator] of operators) {
        const hostile = Object.defineProperties({}, { timeMs: throwing, idleMs: throwing, maxRetries: throwing });
        operatorOutcome(name, operator, hostile);
      }
    });
  });
});
