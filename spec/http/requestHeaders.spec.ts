import { expect } from 'chai';
import { YqcloudError } from '../../lib/core/error.js';
import { checkRequestHeaders } from '../../lib/http/requestHeaders.js';

describe('http/checkRequestHeaders', () => {
  it('checks a record that can change every time: a value changed to carry CRLF is refused', () => {
    const headers: Record<string, string> = { 'x-a': 'fine' };
    expect(checkRequestHeaders(headers)).to.deep.equal({ 'x-a': 'fine' });
    headers['x-a'] = 'fine\r\nx-injected: 1';
    const second = checkRequestHeaders(headers);
    expect(YqcloudError.is(second, 'InvalidRequest'), String(second)).to.equal(true);
  });

  it('gives a frozen record the same answer each time, a copy without a prototype', () => {
    const headers = Object.freeze({ 'x-a': 'fine' });
    const first = checkRequestHeaders(headers);
    expect(checkRequestHeaders(headers)).to.equal(first);
    expect(Object.getPrototypeOf(first)).to.equal(null);
  });
});
