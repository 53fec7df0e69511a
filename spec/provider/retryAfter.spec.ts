import { expect } from 'chai';
import fc from 'fast-check';
import { parseRetryAfter } from '../../lib/provider/retryAfter.js';

describe('provider/retryAfter parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('7', 0)).to.equal(7000);
    expect(parseRetryAfter(' 0 ', 0)).to.equal(0);
    expect(parseRetryAfter('1.5', 0)).to.equal(1500);
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), (s) => {
        expect(parseRetryAfter(String(s), 123)).to.equal(s * 1000);
      }),
    );
  });

  it('reads the three HTTP-date forms, from now', () => {
    const now = Date.parse('Sun, 06 Nov 1994 08:49:30 GMT');
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now)).to.equal(7000);
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now)).to.equal(7000);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', now)).to.be.a('number');
  });

  it('never returns a negative wait', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.now())).to.equal(0);
  });

  it('ignores what is neither', () => {
    for (const value of [undefined, '', 'soon', '-1', '1e3', 'soon 3', '12 monkeys', '3 s', 'Sun, banana'])
      expect(parseRetryAfter(value, 0), String(value)).to.equal(undefined);
  });
});
