/**
 * Arbitrary request bodies for the emulator: `validatePayload` on anything, and arbitrary JSON
 * and arbitrary bytes POSTed to a running emulator, which answers 400 (or 413 past
 * `maxBodyBytes`) for anything that is not the protocol's body, 200 for what is, and keeps
 * serving afterwards.
 */
import * as http from 'node:http';
import { expect } from 'chai';
import fc from 'fast-check';
import { lastValueFrom, toArray } from 'rxjs';
import * as E from 'fp-ts/lib/Either.js';
import { startEmulator, validatePayload, type Emulator, type EmulatorPayload } from '../../lib/emulator/index.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { checkCounted } from './runCount.js';

const payloadKeys = ['prompt', 'userId', 'network', 'system', 'withoutContext', 'stream'] as const;
const stringKeys: ReadonlySet<string> = new Set(['prompt', 'userId', 'system']);

/** The protocol's rule, written independently of the emulator: six keys, right types, nothing else. */
const isProtocolBody = (u: unknown): boolean => {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return false;
  const keys = Object.keys(u);
  const record = u as Record<string, unknown>;
  return (
    keys.length === payloadKeys.length &&
    payloadKeys.every(
      (key) => Object.hasOwn(record, key) && typeof record[key] === (stringKeys.has(key) ? 'string' : 'boolean'),
    )
  );
};

/** A body that is often the protocol's, and otherwise wrong in one or two places. */
const nearPayloadArb = fc
  .tuple(
    fc.record(
      {
        prompt: fc.oneof({ weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) }, fc.jsonValue()),
        userId: fc.oneof({ weight: 3, arbitrary: fc.nat().map((n) => `#/chat/${n}`) }, fc.jsonValue()),
        network: fc.oneof({ weight: 3, arbitrary: fc.boolean() }, fc.jsonValue()),
        system: fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 10 }) }, fc.jsonValue()),
        withoutContext: fc.oneof({ weight: 3, arbitrary: fc.boolean() }, fc.jsonValue()),
        stream: fc.oneof({ weight: 3, arbitrary: fc.boolean() }, fc.jsonValue()),
      },
      { requiredKeys: [] },
    ),
    fc.oneof(
      { weight: 5, arbitrary: fc.constant({}) },
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 2 }),
    ),
    fc.boolean(),
  )
  .map(([payload, extra, full]) =>
    full
      ? {
          ...extra,
          prompt: 'p',
          userId: '#/chat/1',
          network: true,
          system: '',
          withoutContext: false,
          stream: true,
          ...payload,
        }
      : { ...extra, ...payload },
  );

interface Answer {
  readonly status: number;
  readonly body: string;
}

describe('bad input: emulator request bodies', () => {
  describe('validatePayload', () => {
    const judged = (u: unknown): void => {
      let verdict: E.Either<string, EmulatorPayload> | undefined;
      expect(() => {
        verdict = validatePayload(u);
      }).to.not.throw();
      if (isProtocolBody(u)) expect(verdict).to.deep.equal(E.right(u)).and.to.have.property('right', u);
      else expect(verdict).to.have.property('left').that.is.a('string').and.not.equal('');
    };

    it('anything at all: the body itself when it is the protocol’s, else a reason; never a throw', async () => {
      await checkCounted(
        fc.property(
          fc.anything({
            withNullPrototype: true,
            withMap: true,
            withSet: true,
            withTypedArray: true,
            withSparseArray: true,
            withBigInt: true,
          }),
          judged,
        ),
        { numRuns: 1500 },
      );
    });

    it('near misses: missing, mistyped and extra keys', async () => {
      let valid = 0;
      await checkCounted(
        fc.property(nearPayloadArb, (u) => {
          judged(u);
          if (isProtocolBody(u)) valid += 1;
        }),
        { numRuns: 1500 },
      );
      expect(valid).to.be.greaterThan(0);
    });
  });

  describe('a running emulator', () => {
    const maxBodyBytes = 512;
    let emulator: Emulator;
    let agent: http.Agent;

    before(async () => {
      emulator = await startEmulator({ delayMs: 0, pieceChars: 64, maxBodyBytes });
      agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    });

    after(async () => {
      agent.destroy();
      await emulator.close();
      expect(emulator.openConnections()).to.equal(0);
    });

    /** POSTs raw bytes and reads the whole answer. */
    const post = (body: Uint8Array, contentType = 'application/json'): Promise<Answer> =>
      new Promise((resolve, reject) => {
        const request = http.request(
          emulator.apiEndpoint,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': contentType, 'content-length': String(body.byteLength) },
          },
          (response) => {
            const pieces: Array<Buffer> = [];
            response.on('data', (piece: Buffer) => pieces.push(piece));
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, body: Buffer.concat(pieces).toString('utf8') }),
            );
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end(body);
      });

    const expectAnswered = (
      answer: Answer,
      bytes: number,
      parsed: { readonly json: boolean; readonly value?: unknown },
    ): void => {
      if (bytes > maxBodyBytes) {
        expect(answer.status).to.equal(413);
        return;
      }
      if (parsed.json && isProtocolBody(parsed.value)) {
        expect(answer.status, answer.body).to.equal(200);
        expect(answer.body).to.match(/^You said: /);
        return;
      }
      expect(answer.status, answer.body).to.equal(400);
      expect(answer.body).to.be.a('string').and.not.equal('');
    };

    it('arbitrary JSON values: 200 for the protocol’s body, 400 (or 413) for anything else', async () => {
      const before = emulator.requests.length;
      await checkCounted(
        fc.asyncProperty(fc.oneof(fc.jsonValue(), nearPayloadArb), async (u) => {
          const bytes = Buffer.from(JSON.stringify(u) ?? 'null', 'utf8');
          const answer = await post(bytes);
          expectAnswered(answer, bytes.byteLength, { json: true, value: JSON.parse(bytes.toString('utf8')) });
          expect(emulator.requests.at(-1)?.status).to.equal(answer.status);
        }),
        { numRuns: 400 },
      );
      expect(emulator.requests.length - before).to.equal(400);
      expect(emulator.requests.slice(before).map((r) => r.status)).to.include(200);
    });

    it('arbitrary bytes (invalid UTF-8, truncated JSON, empty): 400, or 413 past maxBodyBytes; never a crash', async () => {
      const bytesArb = fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        // Lengths spread evenly up to twice the bound (fast-check keeps arrays short by default).
        fc
          .integer({ min: maxBodyBytes - 4, max: 2 * maxBodyBytes })
          .chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
        fc.string({ unit: 'binary', maxLength: 64 }).map((s) => Buffer.from(s, 'utf8')),
        fc.jsonValue().map((v) => {
          const json = Buffer.from(JSON.stringify(v) ?? 'null', 'utf8');
          return json.subarray(0, Math.max(0, json.byteLength - 1));
        }),
        fc.constant(new Uint8Array(0)),
      );
      let tooLarge = 0;
      await checkCounted(
        fc.asyncProperty(bytesArb, async (bytes) => {
          if (bytes.byteLength > maxBodyBytes) tooLarge += 1;
          let parsed: { readonly json: boolean; readonly value?: unknown } = { json: false };
          try {
            parsed = { json: true, value: JSON.parse(Buffer.from(bytes).toString('utf8')) };
          } catch {
            // not JSON: the emulator must say 400
          }
          expectAnswered(await post(bytes), bytes.byteLength, parsed);
        }),
        { numRuns: 400 },
      );
      expect(tooLarge, 'no body was past maxBodyBytes').to.be.greaterThan(0);
    });

    it('a wrong content type is refused before the body is read', async () => {
      await checkCounted(
        fc.asyncProperty(
          fc.constantFrom('text/plain', 'application/jsonp', 'json', '', 'application/x-www-form-urlencoded'),
          fc.jsonValue(),
          async (contentType, u) => {
            const answer = await post(Buffer.from(JSON.stringify(u) ?? 'null'), contentType);
            expect(answer.status).to.equal(400);
          },
        ),
        { numRuns: 100 },
      );
    });

    it('still answers a real client after all of that', async () => {
      const provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint });
      try {
        const chunks = await lastValueFrom(
          provider.create({ messages: [{ role: 'user', content: 'still there?' }] }).pipe(toArray()),
        );
        const reply = chunks.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('');
        expect(reply).to.match(/^You said: "still there\?"/);
      } finally {
        provider.destroy();
      }
    });

    it('refuses an x-emulator-fault header that names an Object.prototype member', async () => {
      const body = JSON.stringify({
        prompt: 'p',
        userId: '#/chat/1',
        network: true,
        system: '',
        withoutContext: false,
        stream: true,
      });
      for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
        const response = await fetch(emulator.apiEndpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-emulator-fault': name },
          body,
        });
        expect(response.status, name).to.equal(400);
        await response.text();
      }
    });

    it('refuses a status fault of 1xx', () => {
      for (const status of [100, 101, 103, 199])
        expect(() => emulator.injectFault({ kind: 'status', status })).to.throw(TypeError);
    });
  });
});
