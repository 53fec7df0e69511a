/**
 * Every emulator fault × every way of consuming a reply: the right `YqcloudError` (kind and
 * fields), `partialText` equal to exactly the text the consumer received, nothing after an error,
 * retries only where docs/errors.md allows them, and afterwards no open socket, timer or subscription.
 *
 * The matrix runs with `keepAlive: false`, so a case must release its connection by itself (no
 * `provider.destroy()` before counting); a second block runs each fault with the default
 * keep-alive pool and checks that the pooled connection is still good for the next reply.
 */
import { getEventListeners } from 'node:events';
import { expect } from 'chai';
import { asyncScheduler, Observable, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import { abnormalTrafficPrefix, banPrefix } from '../../lib/internal.js';
import {
  bufferText,
  retryTransient,
  withTimeouts,
  YqcloudError,
  YqcloudProvider,
  type BlockReason,
  type ChatRequest,
  type Chunk,
  type TimeoutPhase,
} from '../../lib/index.js';
import { startEmulator, type Emulator, type Fault, type ReplyFunction } from '../../lib/emulator/index.js';
import { connectionsAtMost, settled, snapshot, type Resources } from './resources.js';

// ---------------------------------------------------------------------------------------------
// The emulator's reply: short (so the file stays fast), with multi-byte characters (so
// split-utf8 has something to split) and starting with text that cannot be an in-band refusal.

const prompt = 'fault matrix';
const reply: ReplyFunction = (p) => `You said "${p}". 你好，世界 🌏 — that is the whole reply.`;
const fullReply = reply(prompt, { system: '', userId: '', history: [] });
const pieceChars = 5;
/** What a `hang` mid-body writes before it stops: the first piece. */
const firstPiece = [...fullReply].slice(0, pieceChars).join('');

/** Deadlines of the `withTimeouts` columns: long enough for a loaded machine, short enough to stay fast. */
const timeoutMs = 300;
/** How long a consumer without timeouts waits on a hang before aborting through its `signal`. */
const hangBoundMs = 150;
/** A bound for any case that should end by itself; past it the `signal` aborts and the case fails. */
const safetyBoundMs = 4_000;
/** retryTransient's backoff: with `random: () => 0.5` the first retry waits ⌊0.5 · 40⌋ = 20 ms. */
const retryOptions = { baseDelayMs: 40, random: () => 0.5 } as const;
const backoffMs = 20;

// ---------------------------------------------------------------------------------------------
// The faults and what each does to a bare reply.

type TextBefore =
  | { readonly kind: 'none' }
  | { readonly kind: 'exactly'; readonly text: string }
  /** A non-empty prefix of the reply of at most `max` characters (a reset may lose what was in flight). */
  | { readonly kind: 'prefix'; readonly max: number };

type Effect =
  /** Not a failure: the full, correct reply. */
  | { readonly type: 'reply' }
  | {
      readonly type: 'fail';
      /** The error, in words, for the test's title. */
      readonly label: string;
      readonly check: (e: YqcloudError) => void;
      readonly text: TextBefore;
      /** retryTransient may retry this error (it still must not once text was delivered). */
      readonly transient: boolean;
      /** The wait retryTransient asks its scheduler for before the retry. */
      readonly retryDelayMs?: number;
    }
  /** Never ends by itself: a consumer needs a deadline (`withTimeouts`) or an abort. */
  | { readonly type: 'hang'; readonly phase: TimeoutPhase; readonly text: TextBefore };

interface Row {
  readonly fault: Fault;
  readonly effect: Effect;
}

const isBlocked =
  (reason: BlockReason, bodyStart: string) =>
  (e: YqcloudError): void => {
    expect(e.kind, e.message).to.equal('Blocked');
    expect(e.reason).to.equal(reason);
    expect(e.body ?? '').to.satisfy((b: string) => b.toLowerCase().startsWith(bodyStart.toLowerCase()));
  };

const isHttp =
  (status: number, retryAfterMs: number | undefined) =>
  (e: YqcloudError): void => {
    expect(e.kind, e.message).to.equal('Http');
    expect(e.status).to.equal(status);
    expect(e.body).to.equal(`emulated status ${status}`);
    expect(e.retryAfterMs).to.equal(retryAfterMs);
  };

const isReset = (e: YqcloudError): void => {
  expect(e.kind, e.message).to.equal('Network');
  expect(e.code).to.equal('ECONNRESET');
};

const rows: ReadonlyArray<Row> = [
  {
    fault: { kind: 'ban' },
    effect: {
      type: 'fail',
      label: 'Blocked (ip-banned)',
      check: isBlocked('ip-banned', banPrefix),
      text: { kind: 'none' },
      transient: false,
    },
  },
  {
    fault: { kind: 'abnormal-traffic' },
    effect: {
      type: 'fail',
      label: 'Blocked (abnormal-traffic)',
      check: isBlocked('abnormal-traffic', abnormalTrafficPrefix),
      text: { kind: 'none' },
      transient: false,
    },
  },
  {
    fault: { kind: 'html' },
    effect: {
      type: 'fail',
      label: 'Blocked (html-page)',
      check: isBlocked('html-page', '<!DOCTYPE html'),
      text: { kind: 'none' },
      transient: false,
    },
  },
  {
    fault: { kind: 'status', status: 500 },
    effect: {
      type: 'fail',
      label: 'Http 500',
      check: isHttp(500, undefined),
      text: { kind: 'none' },
      transient: true,
      retryDelayMs: backoffMs,
    },
  },
  {
    fault: { kind: 'status', status: 503 },
    effect: {
      type: 'fail',
      label: 'Http 503',
      check: isHttp(503, undefined),
      text: { kind: 'none' },
      transient: true,
      retryDelayMs: backoffMs,
    },
  },
  {
    // Retry-After: 1 → retryAfterMs 1000, which retryTransient must wait instead of its backoff.
    fault: { kind: 'status', status: 429, retryAfterS: 1 },
    effect: {
      type: 'fail',
      label: 'Http 429',
      check: isHttp(429, 1000),
      text: { kind: 'none' },
      transient: true,
      retryDelayMs: 1000,
    },
  },
  {
    fault: { kind: 'status', status: 400 },
    effect: {
      type: 'fail',
      label: 'Http 400',
      check: isHttp(400, undefined),
      text: { kind: 'none' },
      transient: false,
    },
  },
  {
    // Headers sent, then a reset before any text: transient, and nothing was delivered.
    fault: { kind: 'reset', afterChars: 0 },
    effect: {
      type: 'fail',
      label: 'Network (reset)',
      check: isReset,
      text: { kind: 'none' },
      transient: true,
      retryDelayMs: backoffMs,
    },
  },
  {
    // A reset after two pieces: a Network error, but text was delivered, so never retried.
    fault: { kind: 'reset', afterChars: 2 * pieceChars },
    effect: {
      type: 'fail',
      label: 'Network (reset)',
      check: isReset,
      text: { kind: 'prefix', max: 2 * pieceChars },
      transient: true,
    },
  },
  {
    fault: { kind: 'hang', phase: 'before-headers' },
    effect: { type: 'hang', phase: 'first-chunk', text: { kind: 'none' } },
  },
  {
    fault: { kind: 'hang', phase: 'before-body' },
    effect: { type: 'hang', phase: 'first-chunk', text: { kind: 'none' } },
  },
  {
    fault: { kind: 'hang', phase: 'mid-body' },
    effect: { type: 'hang', phase: 'idle', text: { kind: 'exactly', text: firstPiece } },
  },
  { fault: { kind: 'split-utf8' }, effect: { type: 'reply' } },
  { fault: { kind: 'slow', delayMs: 20 }, effect: { type: 'reply' } },
];

// ---------------------------------------------------------------------------------------------
// The consumers.

type Event =
  | { readonly type: 'chunk'; readonly chunk: Chunk }
  | { readonly type: 'error'; readonly error: unknown }
  | { readonly type: 'complete' };

interface Outcome {
  readonly events: ReadonlyArray<Event>;
  /** Subscriptions to `provider.create(…)` made and still open (Observable consumers only). */
  readonly source?: { readonly made: number; readonly open: number };
  /** Whether the consumer's own subscription is closed (Observable consumers only). */
  readonly closed?: boolean;
}

interface Harness {
  readonly provider: YqcloudProvider;
  readonly request: ChatRequest;
  /** retryTransient's scheduler: records each wait asked for, then waits at most 5 ms. */
  readonly retryScheduler: SchedulerLike;
}

interface Consumer {
  readonly name: string;
  /** Pipes through retryTransient. */
  readonly retries: boolean;
  /** Pipes through withTimeouts. */
  readonly timeouts: boolean;
  readonly run: (h: Harness) => Promise<Outcome>;
}

/** Subscribes `pipeline(create)`, counting the subscriptions to `create`, and records every event. */
const observe =
  (pipeline: (source: Observable<Chunk>, h: Harness) => Observable<Chunk>) =>
  (h: Harness): Promise<Outcome> => {
    const source = { made: 0, open: 0 };
    const create$ = h.provider.create(h.request);
    const counted = new Observable<Chunk>((subscriber) => {
      source.made++;
      source.open++;
      const inner = create$.subscribe(subscriber);
      return () => {
        source.open--;
        inner.unsubscribe();
      };
    });
    const events: Array<Event> = [];
    return new Promise((resolve) => {
      let subscription: Subscription | undefined;
      const end = (): void => {
        // Resolve on a later tick, so an event that (wrongly) follows the end is recorded too.
        setImmediate(() => resolve({ events, source, closed: subscription?.closed ?? false }));
      };
      subscription = pipeline(counted, h).subscribe({
        next: (chunk) => events.push({ type: 'chunk', chunk }),
        error: (error: unknown) => {
          events.push({ type: 'error', error });
          end();
        },
        complete: () => {
          events.push({ type: 'complete' });
          end();
        },
      });
    });
  };

/** A scheduler that records each wait asked of it, then waits at most 5 ms (the waits are asserted, not slept). */
const recordingScheduler = (delays: Array<number>): SchedulerLike => ({
  now: () => asyncScheduler.now(),
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription {
    delays.push(delay ?? 0);
    return asyncScheduler.schedule(work, Math.min(delay ?? 0, 5), state);
  },
});

const timeouts = (): ReturnType<typeof withTimeouts> => withTimeouts({ firstChunkMs: timeoutMs, idleMs: timeoutMs });
const retries = (h: Harness): ReturnType<typeof retryTransient> =>
  retryTransient({ ...retryOptions, scheduler: h.retryScheduler });

const consumers: ReadonlyArray<Consumer> = [
  { name: 'provider.create', retries: false, timeouts: false, run: observe((s) => s) },
  { name: 'create → retryTransient', retries: true, timeouts: false, run: observe((s, h) => s.pipe(retries(h))) },
  { name: 'create → withTimeouts', retries: false, timeouts: true, run: observe((s) => s.pipe(timeouts())) },
  {
    name: 'create → bufferText',
    retries: false,
    timeouts: false,
    run: observe((s) => s.pipe(bufferText({ timeMs: 10 }))),
  },
  {
    name: 'provider.createAsyncGenerator',
    retries: false,
    timeouts: false,
    run: async (h) => {
      const events: Array<Event> = [];
      try {
        for await (const chunk of h.provider.createAsyncGenerator(h.request)) events.push({ type: 'chunk', chunk });
        events.push({ type: 'complete' });
      } catch (error: unknown) {
        events.push({ type: 'error', error });
      }
      return { events };
    },
  },
  {
    // The stack docs/errors.md recommends: a deadline per attempt, retried when transient.
    name: 'create → withTimeouts → retryTransient',
    retries: true,
    timeouts: true,
    run: observe((s, h) => s.pipe(timeouts(), retries(h))),
  },
];

// ---------------------------------------------------------------------------------------------
// What each combination must do.

type Expected =
  | { readonly end: 'reply'; readonly requests: 1 | 2; readonly retryDelays: ReadonlyArray<number> }
  | {
      readonly end: 'error';
      readonly label: string;
      readonly check: (e: YqcloudError) => void;
      readonly text: TextBefore;
    }
  /** Aborted through the request's `signal` after {@link hangBoundMs}: completes without `finish`. */
  | { readonly end: 'aborted'; readonly text: TextBefore };

const expectedFor = (effect: Effect, consumer: Consumer): Expected => {
  switch (effect.type) {
    case 'reply':
      return { end: 'reply', requests: 1, retryDelays: [] };
    case 'fail':
      return consumer.retries && effect.transient && effect.text.kind === 'none'
        ? { end: 'reply', requests: 2, retryDelays: [effect.retryDelayMs ?? Number.NaN] }
        : { end: 'error', label: effect.label, check: effect.check, text: effect.text };
    case 'hang':
      // Without withTimeouts nothing ends a hang but the consumer: the hang only reaches the
      // error channel in the withTimeouts columns; elsewhere the case aborts through `signal`.
      if (!consumer.timeouts) return { end: 'aborted', text: effect.text };
      if (consumer.retries && effect.phase === 'first-chunk')
        return { end: 'reply', requests: 2, retryDelays: [backoffMs] };
      return {
        end: 'error',
        label: `Timeout (${effect.phase})`,
        check: (e) => {
          expect(e.kind, e.message).to.equal('Timeout');
          expect(e.phase).to.equal(effect.phase);
          expect(e.timeoutMs).to.equal(timeoutMs);
        },
        text: effect.text,
      };
  }
};

const textOf = (events: ReadonlyArray<Event>): string =>
  events.flatMap((e) => (e.type === 'chunk' && e.chunk.type === 'text' ? [e.chunk.text] : [])).join('');

const describeEvents = (events: ReadonlyArray<Event>): string =>
  JSON.stringify(
    events.map((e) =>
      e.type === 'chunk'
        ? e.chunk
        : e.type === 'error'
          ? { error: e.error instanceof Error ? e.error.message : String(e.error) }
          : e,
    ),
  );

const expectTextBefore = (received: string, text: TextBefore): void => {
  switch (text.kind) {
    case 'none':
      expect(received).to.equal('');
      return;
    case 'exactly':
      expect(received).to.equal(text.text);
      return;
    case 'prefix':
      expect(received).to.not.equal('');
      expect(received.length).to.be.at.most(text.max);
      expect(fullReply.slice(0, received.length), 'a prefix of the reply').to.equal(received);
      return;
  }
};

const faultName = (fault: Fault): string =>
  [
    fault.kind,
    ...Object.entries(fault).flatMap(([key, value]) => (key === 'kind' ? [] : [`${key}=${String(value)}`])),
  ].join(' ');

// ---------------------------------------------------------------------------------------------

describe('faults: every emulator fault × every consumer', function () {
  this.timeout(10_000);

  let emulator: Emulator;
  /** What is open once the emulator listens (taken in beforeEach, see there). */
  let baseline: Resources;
  const providers: Array<YqcloudProvider> = [];
  const newProvider = (keepAlive: boolean): YqcloudProvider => {
    const provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint, keepAlive });
    providers.push(provider);
    return provider;
  };

  beforeEach(async () => {
    emulator = await startEmulator({ reply, pieceChars, delayMs: 2 });
    // Taken here, after an await: mocha arms a runnable's timeout timer once its async function
    // has returned its promise, so now (as during the test, after its first await) exactly one
    // mocha timer is active. A snapshot at the very start of a test would miss it.
    baseline = snapshot(emulator);
  });

  afterEach(async () => {
    for (const provider of providers.splice(0)) provider.destroy();
    await emulator.close();
  });

  /** A request whose `signal` aborts after `boundMs`; `stop()` clears the timer. */
  const boundedRequest = (boundMs: number): { request: ChatRequest; signal: AbortSignal; stop: () => void } => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), boundMs);
    return {
      request: { messages: [{ role: 'user', content: prompt }], signal: controller.signal },
      signal: controller.signal,
      stop: () => clearTimeout(timer),
    };
  };

  for (const { fault, effect } of rows)
    describe(faultName(fault), () => {
      for (const consumer of consumers) {
        const expected = expectedFor(effect, consumer);
        const summary =
          expected.end === 'reply'
            ? expected.requests === 2
              ? `${effect.type === 'fail' ? effect.label : 'Timeout (first-chunk)'} retried once, then the full reply`
              : 'the full reply'
            : expected.end === 'error'
              ? `${expected.label}, partialText = the text received${consumer.retries ? ', not retried' : ''}`
              : `${effect.type === 'hang' && effect.text.kind !== 'none' ? 'the text before the hang' : 'no text'}, until aborted through signal`;
        it(`${consumer.name}: ${summary}; nothing left open`, async () => {
          const provider = newProvider(false);
          const retryDelays: Array<number> = [];
          const retryScheduler = recordingScheduler(retryDelays);
          const bound = boundedRequest(expected.end === 'aborted' ? hangBoundMs : safetyBoundMs);
          emulator.injectFault(fault);
          let outcome: Outcome;
          try {
            outcome = await consumer.run({ provider, request: bound.request, retryScheduler });
          } finally {
            bound.stop();
          }
          const { events } = outcome;
          const trace = describeEvents(events);
          const received = textOf(events);
          const last = events.at(-1);
          expect(bound.signal.aborted, `aborted by the bound: ${trace}`).to.equal(expected.end === 'aborted');

          // Exactly one terminal event, last: nothing (text or otherwise) after an error.
          expect(
            events.filter((e) => e.type !== 'chunk'),
            trace,
          ).to.have.length(1);
          expect(last?.type, trace).to.equal(expected.end === 'error' ? 'error' : 'complete');

          switch (expected.end) {
            case 'reply': {
              expect(received, trace).to.equal(fullReply);
              const finishes = events.filter((e) => e.type === 'chunk' && e.chunk.type === 'finish');
              expect(finishes, trace).to.have.length(1);
              expect(events.at(-2), trace).to.deep.equal({ type: 'chunk', chunk: { type: 'finish', reason: 'stop' } });
              break;
            }
            case 'error': {
              const error = last?.type === 'error' ? last.error : undefined;
              expect(error, trace).to.be.instanceOf(YqcloudError);
              const e = error as YqcloudError;
              expected.check(e);
              expect(e.message).to.be.a('string').and.not.equal('');
              expectTextBefore(received, expected.text);
              expect(e.partialText, 'partialText is exactly the text received').to.equal(received);
              break;
            }
            case 'aborted':
              expectTextBefore(received, expected.text);
              expect(
                events.filter((e) => e.type === 'chunk' && e.chunk.type === 'finish'),
                trace,
              ).to.deep.equal([]);
              break;
          }

          // Retries only where allowed, waiting as long as asked.
          const requests = expected.end === 'reply' ? expected.requests : 1;
          expect(emulator.requests.map((r) => r.fault ?? null)).to.deep.equal(requests === 2 ? [fault, null] : [fault]);
          if (consumer.retries) expect(retryDelays).to.deep.equal(expected.end === 'reply' ? expected.retryDelays : []);
          if (outcome.source !== undefined) {
            expect(outcome.source.made, 'subscriptions to create').to.equal(requests);
            expect(outcome.source.open, 'subscriptions to create still open').to.equal(0);
            expect(outcome, 'the consumer’s subscription is closed').to.have.property('closed', true);
          }
          expect(getEventListeners(bound.signal, 'abort'), 'abort listeners left on the signal').to.have.length(0);

          // Nothing left open, without provider.destroy(): the case released its own connection.
          expect(
            await settled(emulator, baseline, 2_000),
            'open sockets, timers and emulator connections',
          ).to.deep.equal(baseline);
        });
      }
    });

  describe('with the default keep-alive pool, the next reply on the same provider is whole', () => {
    for (const { fault, effect } of rows)
      it(`${faultName(fault)}, then a clean request: the full reply on a good connection; destroy() closes it`, async () => {
        const provider = newProvider(true);
        const plain = consumers[0];
        if (plain === undefined) throw new Error('no consumer');
        const retryScheduler = asyncScheduler;

        const first = boundedRequest(effect.type === 'hang' ? hangBoundMs : safetyBoundMs);
        emulator.injectFault(fault);
        const faulted = await plain.run({ provider, request: first.request, retryScheduler }).finally(first.stop);
        const expected = expectedFor(effect, plain);
        expect(faulted.events.at(-1)?.type).to.equal(expected.end === 'error' ? 'error' : 'complete');

        const second = boundedRequest(safetyBoundMs);
        const next = await plain.run({ provider, request: second.request, retryScheduler }).finally(second.stop);
        expect(textOf(next.events), describeEvents(next.events)).to.equal(fullReply);
        expect(next.events.at(-1)?.type).to.equal('complete');
        expect(emulator.requests.map((r) => r.fault ?? null)).to.deep.equal([fault, null]);

        // At most the one pooled connection stays open: the faulted one was closed or reused.
        expect(await connectionsAtMost(emulator, 1, 2_000), 'emulator connections before destroy()').to.be.at.most(1);
        provider.destroy();
        expect(await settled(emulator, baseline, 2_000), 'open sockets, timers and emulator connections').to.deep.equal(
          baseline,
        );
      });
  });

  describe('retryTransient’s budget', () => {
    it('a 503 on every attempt: maxRetries + 1 requests, then the last Http error, nothing left open', async () => {
      const provider = newProvider(false);
      for (let i = 0; i < 3; i++) emulator.injectFault({ kind: 'status', status: 503 });
      const bound = boundedRequest(safetyBoundMs);
      const outcome = await observe((s) => s.pipe(retryTransient({ maxRetries: 2, baseDelayMs: 4 })))({
        provider,
        request: bound.request,
        retryScheduler: asyncScheduler,
      }).finally(bound.stop);
      const last = outcome.events.at(-1);
      expect(outcome.events).to.have.length(1);
      expect(last?.type === 'error' && YqcloudError.is(last.error, 'Http') ? last.error.status : undefined).to.equal(
        503,
      );
      expect(emulator.requests.map((r) => r.status)).to.deep.equal([503, 503, 503]);
      expect(outcome.source).to.deep.equal({ made: 3, open: 0 });
      expect(await settled(emulator, baseline, 2_000)).to.deep.equal(baseline);
    });

    it('Retry-After is waited for whole, in real time (retryAfterS: 1; maxDelayMs: 150 caps only the backoff)', async () => {
      const provider = newProvider(false);
      emulator.injectFault({ kind: 'status', status: 429, retryAfterS: 1 });
      const bound = boundedRequest(safetyBoundMs);
      const arrivals: Array<number> = [];
      const started = Date.now();
      const outcome = await observe((s) =>
        // baseDelayMs: 0 makes the backoff 0, so any wait seen comes from Retry-After.
        s.pipe(
          (source) =>
            new Observable<Chunk>((subscriber) => {
              arrivals.push(Date.now() - started);
              return source.subscribe(subscriber);
            }),
          retryTransient({ baseDelayMs: 0, maxDelayMs: 150 }),
        ),
      )({ provider, request: bound.request, retryScheduler: asyncScheduler }).finally(bound.stop);
      expect(textOf(outcome.events)).to.equal(fullReply);
      expect(arrivals).to.have.length(2);
      // A lower bound only (the retry cannot come early): the server's 1000 ms, less timer
      // granularity; a wait capped by maxDelayMs (150 ms) would fail it.
      expect((arrivals[1] ?? 0) - (arrivals[0] ?? 0)).to.be.at.least(950);
    });
  });
});
