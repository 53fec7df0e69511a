import { expect } from 'chai';
import { accessLogLine, clientHash, randomHashKey } from '../../../lib/server/pipeline/accessLog.js';

describe('the access log line', () => {
  it('holds route, method, status, duration, error kind and client hash, in one line', () => {
    expect(
      accessLogLine({
        route: 'openai.completions',
        method: 'POST',
        status: 404,
        durationMs: 3.6,
        errorKind: 'InvalidRequest',
        client: '5d41402abc4b2a76',
      }),
    ).to.equal(
      'access route=openai.completions method=POST status=404 ms=4 error=InvalidRequest client=5d41402abc4b2a76',
    );
    expect(accessLogLine({ route: 'relay', method: 'POST', status: 401, durationMs: 0 })).to.equal(
      'access route=relay method=POST status=401 ms=0 error=- client=-',
    );
  });

  it('lets nothing split the line or forge a field', () => {
    const line = accessLogLine({
      route: 'x\nerror=None',
      method: 'GE T\u001b[2J',
      status: 200,
      durationMs: 1,
      client: 'a b',
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
    expect(line).not.to.match(/[\r\n\u001b]/);
    expect(line.split(' ')).to.have.length(7);
  });

  it('hashes an identity with a key: stable under one key, not the identity, different under another', () => {
    const hash = clientHash('user:sk-live-0123456789');
    expect(hash).to.match(/^[0-9a-f]{16}$/);
    expect(clientHash('user:sk-live-0123456789')).to.equal(hash);
    expect(clientHash('user:bob')).not.to.equal(hash);
    const key = randomHashKey();
    expect(clientHash('user:sk-live-0123456789', key)).not.to.equal(hash);
    expect(clientHash('user:sk-live-0123456789', key)).to.equal(clientHash('user:sk-live-0123456789', key));
  });
});
