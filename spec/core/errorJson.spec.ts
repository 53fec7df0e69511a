import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import {
  blocked,
  emptyResponse,
  httpError,
  invalidRequest,
  networkError,
  responseTooLarge,
  timeoutError,
  withPartialText,
  YqcloudError,
} from '../../lib/core/error.js';
import { errorFromJson } from '../../lib/core/errorJson.js';

/** What a relay sends: the error through `JSON.stringify` and back. */
const wire = (e: YqcloudError): unknown => JSON.parse(JSON.stringify(e));

const revived = (u: unknown): YqcloudError => {
  const result = errorFromJson(u);
  if (E.isLeft(result)) expect.fail(result.left.message);
  return result.right;
};

const leftMessage = (u: unknown): string => {
  const result = errorFromJson(u);
  if (E.isRight(result)) expect.fail(`revived ${JSON.stringify(result.right)}`);
  return result.left.message;
};

const every: ReadonlyArray<YqcloudError> = [
  invalidRequest('messages.0.role', 'expected "user", got "bot"'),
  httpError(429, 'slow down', 2000),
  httpError(503, 'busy'),
  httpError(0, '', undefined, 'redirect not followed'),
  networkError('ECONNRESET', 'socket hang up', Object.assign(new Error('socket hang up'), { name: 'SocketError' })),
  blocked('ip-banned', 'sorry, 您的ip已由于触发防滥用检测而被封禁'),
  blocked('html-page', '<!DOCTYPE html>'),
  timeoutError('idle', 5000),
  emptyResponse(200),
  responseTooLarge(1024),
];

describe('core/errorJson errorFromJson', () => {
  for (const error of every)
    it(`revives ${error.kind} (${error.message}) with its kind, message, partialText and fields`, () => {
      const original = withPartialText('你好')(error);
      const back = revived(wire(original));
      expect(back).to.be.instanceOf(YqcloudError);
      expect(back.toJSON()).to.deep.equal(original.toJSON());
      expect(Object.keys(back).sort()).to.deep.equal(Object.keys(original).sort());
    });

  it('keeps the cause as an Error of the serialised name and message', () => {
    const back = revived(
      wire(networkError('ECONNRESET', 'reset', Object.assign(new Error('other side closed'), { name: 'SocketError' }))),
    );
    expect(back.cause).to.be.instanceOf(Error);
    expect(back.cause).to.include({ name: 'SocketError', message: 'other side closed' });
  });

  it('defaults a missing partialText to empty and ignores the name', () => {
    expect(revived({ kind: 'EmptyResponse', message: 'empty', status: 200 })).to.include({
      kind: 'EmptyResponse',
      partialText: '',
      status: 200,
      name: 'YqcloudError',
    });
  });

  it('copies only the kind’s own fields: others and unknown keys are dropped', () => {
    const back = revived({
      kind: 'Timeout',
      message: 'timeout',
      phase: 'total',
      timeoutMs: 100,
      status: 500,
      code: 'X',
      extra: { nested: true },
    });
    expect(back).to.include({ phase: 'total', timeoutMs: 100 });
    expect(back).to.not.have.property('status');
    expect(back).to.not.have.property('code');
    expect(back).to.not.have.property('extra');
  });

  it('is a Left for what is not an error object', () => {
    for (const u of [null, undefined, 'Http', 42, [], [{ kind: 'Http' }]])
      expect(leftMessage(u)).to.equal('not an error: expected an object');
  });

  it('is a Left naming an unknown or missing kind', () => {
    expect(leftMessage({ kind: 'Oops', message: 'x' })).to.equal('not an error: unknown kind "Oops"');
    expect(leftMessage({ kind: 'toString', message: 'x' })).to.equal('not an error: unknown kind "toString"');
    expect(leftMessage({ message: 'x' })).to.equal('not an error: `kind` is missing or not a string');
    expect(leftMessage({ kind: 7, message: 'x' })).to.equal('not an error: `kind` is missing or not a string');
  });

  it('is a Left naming a field that is missing or of the wrong type', () => {
    expect(leftMessage({ kind: 'Http', message: 'HTTP', body: '' })).to.match(
      /^not a Http error: status: expected an HTTP status/,
    );
    expect(leftMessage({ kind: 'Http', message: 'HTTP', status: '503', body: '' })).to.include('status');
    expect(leftMessage({ kind: 'Http', message: 'HTTP', status: 42.5, body: '' })).to.include('status');
    expect(leftMessage({ kind: 'Http', message: 'HTTP', status: 503, body: '', retryAfterMs: -1 })).to.include(
      'retryAfterMs',
    );
    expect(leftMessage({ kind: 'Blocked', message: 'b', body: '', reason: 'cosmic-rays' })).to.include('reason');
    expect(leftMessage({ kind: 'Timeout', message: 't', phase: 'idle', timeoutMs: Number.NaN })).to.include(
      'timeoutMs',
    );
    expect(leftMessage({ kind: 'Network', code: 'E' })).to.include('message');
    expect(leftMessage({ kind: 'Network', message: 'n', code: 'E', partialText: 3 })).to.include('partialText');
    expect(leftMessage({ kind: 'Network', message: 'n', code: 'E', cause: 'boom' })).to.include('cause');
  });

  it('is a Left, not a throw, for a value whose reading throws', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('gotcha');
        },
      },
    );
    expect(leftMessage(hostile)).to.equal('not an error: reading it threw');
  });

  it('never throws, and revives whatever toJSON wrote (property)', () => {
    const errorArb = fc.oneof(
      fc.tuple(fc.string(), fc.string()).map(([path, message]) => invalidRequest(path, message)),
      fc
        .tuple(fc.integer({ min: 0, max: 999 }), fc.string(), fc.option(fc.nat(), { nil: undefined }))
        .map(([status, body, retry]) => httpError(status, body, retry)),
      fc.tuple(fc.string(), fc.string()).map(([code, message]) => networkError(code, message)),
      fc
        .tuple(fc.constantFrom('ip-banned', 'abnormal-traffic', 'html-page' as const), fc.string())
        .map(([reason, body]) => blocked(reason, body)),
      fc
        .tuple(fc.constantFrom('first-chunk', 'idle', 'total' as const), fc.nat())
        .map(([phase, ms]) => timeoutError(phase, ms)),
      fc.integer({ min: 0, max: 999 }).map(emptyResponse),
      fc.nat().map(responseTooLarge),
    );
    fc.assert(
      fc.property(errorArb, fc.string(), (error, partial) => {
        const original = withPartialText(partial)(error);
        expect(revived(wire(original)).toJSON()).to.deep.equal(original.toJSON());
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (u) => {
        expect(() => errorFromJson(u)).to.not.throw();
      }),
    );
  });
});
