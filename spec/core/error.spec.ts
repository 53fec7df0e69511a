import { expect } from 'chai';
import fc from 'fast-check';
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
  type ErrorKind,
} from '../../lib/core/error.js';
import { toNetworkError } from '../../lib/http/toNetworkError.js';

const every: ReadonlyArray<readonly [ErrorKind, YqcloudError, Record<string, unknown>]> = [
  ['InvalidRequest', invalidRequest('messages', 'at least one message is required'), { path: 'messages' }],
  ['Http', httpError(429, 'slow down', 2000), { status: 429, body: 'slow down', retryAfterMs: 2000 }],
  ['Network', networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }],
  ['Blocked', blocked('ip-banned', 'sorry, …'), { reason: 'ip-banned', body: 'sorry, …' }],
  ['Timeout', timeoutError('first-chunk', 5000), { phase: 'first-chunk', timeoutMs: 5000 }],
  ['EmptyResponse', emptyResponse(200), { status: 200 }],
  ['ResponseTooLarge', responseTooLarge(1024), { limitBytes: 1024 }],
];

describe('core/error YqcloudError', () => {
  for (const [kind, error, fields] of every)
    describe(kind, () => {
      it('is an Error and a YqcloudError of its kind, with its fields and an empty partialText', () => {
        expect(error).to.be.instanceOf(Error);
        expect(error).to.be.instanceOf(YqcloudError);
        expect(error).to.include({ kind, name: 'YqcloudError', partialText: '', ...fields });
        expect(error.message).to.be.a('string').and.not.equal('');
        expect(error).to.satisfy((u: unknown) => YqcloudError.is(u));
        expect(error).to.satisfy((u: unknown) => YqcloudError.is(u, kind));
        expect(error).to.not.satisfy((u: unknown) => YqcloudError.is(u, kind === 'Http' ? 'Network' : 'Http'));
      });

      it('withPartialText copies it with the text and every field, leaving it unchanged', () => {
        const copy = withPartialText('Hello, wo')(error);
        expect(copy).to.not.equal(error);
        expect(copy).to.include({ kind, message: error.message, partialText: 'Hello, wo', ...fields });
        expect(error.partialText).to.equal('');
        expect(withPartialText('')(error)).to.equal(error);
      });

      it('toJSON is a plain object with kind, message, partialText and its fields; JSON.stringify uses it', () => {
        const json = JSON.parse(JSON.stringify(withPartialText('abc')(error))) as Record<string, unknown>;
        expect(json).to.deep.include({
          name: 'YqcloudError',
          kind,
          message: error.message,
          partialText: 'abc',
          ...fields,
        });
      });

      it('has only its own kind’s fields as properties', () => {
        const own = Object.keys(error).filter((key) => !['name', 'kind', 'partialText'].includes(key));
        expect(own.sort()).to.deep.equal(Object.keys(fields).sort());
      });

      it('toString names the class and says the message', () => {
        expect(String(error)).to.equal(`YqcloudError: ${error.message}`);
      });
    });

  it('says readable things', () => {
    expect(invalidRequest('model', 'unknown model "x"').message).to.equal('model: unknown model "x"');
    expect(invalidRequest('', 'bad').message).to.equal('bad');
    expect(httpError(500, 'boom').message).to.equal('HTTP 500: boom');
    expect(httpError(302, '', undefined, 'redirect not followed').message).to.equal('HTTP 302 (redirect not followed)');
    expect(timeoutError('idle', 10).message).to.equal('timeout: no text for 10 ms (idle)');
    expect(timeoutError('total', 10).message).to.include('(total)');
    expect(blocked('html-page', '<html>').message).to.match(/^blocked: .*HTML page/);
    expect(blocked('abnormal-traffic', '流量异常').message).to.match(/abnormal traffic/);
  });

  it('is() rejects look-alikes', () => {
    expect({ kind: 'Http', message: 'x' }).to.not.satisfy((u: unknown) => YqcloudError.is(u));
    expect(new Error('x')).to.not.satisfy((u: unknown) => YqcloudError.is(u));
    expect(undefined).to.not.satisfy((u: unknown) => YqcloudError.is(u));
  });

  it('keeps a cause, as a name and message only in JSON', () => {
    const error = networkError('EPIPE', 'broken', Object.assign(new Error('write EPIPE'), { secret: 'x' }));
    expect((error as Error & { cause?: unknown }).cause).to.be.instanceOf(Error);
    expect(error.toJSON().cause).to.deep.equal({ name: 'Error', message: 'write EPIPE' });
    expect(withPartialText('p')(error).cause).to.equal(error.cause);
  });

  describe('credentials', () => {
    it('a Network error made from any failure mentioning a proxy URL holds no password anywhere', () => {
      fc.assert(
        // Ending in `0q`: a password of letters only can be a word of the stack itself
        // (seed 319744451 drew 'Property', as in fast-check's `Property.run` frame).
        fc.property(
          fc.stringMatching(/^[A-Za-z0-9]{8,16}$/).map((p) => `${p}0q`),
          fc.constantFrom('', '@', '@x@'),
          (password, extra) => {
            const secret = `${password}${extra}`;
            const failure = Object.assign(
              new Error(`tunneling socket could not be established: http://user:${secret}@proxy.test:3128`),
              {
                code: 'ECONNRESET',
                cause: Object.assign(new Error(`connect to http://user:${secret}@proxy.test:3128 failed`), {
                  code: 'ECONNREFUSED',
                }),
                config: { proxy: `http://user:${secret}@proxy.test:3128` },
              },
            );
            const error = toNetworkError(failure);
            expect(error.kind).to.equal('Network');
            expect(error.code).to.equal('ECONNREFUSED');
            for (const text of [
              error.message,
              String(error),
              JSON.stringify(error),
              error.stack ?? '',
              String(error.cause),
            ])
              expect(text).to.not.include(password);
          },
        ),
      );
    });

    it('toNetworkError passes a YqcloudError through and reads codes from the root cause', () => {
      const e = networkError('ENOTFOUND', 'x');
      expect(toNetworkError(e)).to.equal(e);
      expect(toNetworkError('weird')).to.include({ kind: 'Network', code: 'ERR_NETWORK' });
      expect(toNetworkError(Object.assign(new Error('outer'), { code: 'ERR_X' }))).to.include({ code: 'ERR_X' });
      expect(toNetworkError(new Error('connect ECONNREFUSED 127.0.0.1:9'))).to.include({ code: 'ECONNREFUSED' });
      expect(toNetworkError(new Error('Socks5 proxy rejected connection - Failure'))).to.include({
        code: 'ERR_NETWORK',
      });
    });
  });
});
