import { expect } from 'chai';
import fc from 'fast-check';
import {
  credentialSecrets,
  redactAuthorization,
  redactSecrets,
  redactText,
  redactUrl,
  redactUrlsIn,
  secretsOfUrl,
} from '../../lib/core/redact.js';

describe('core/redact', () => {
  it('redactUrlsIn hides every URL’s user info, up to the authority’s last @', () => {
    expect(redactUrlsIn('via http://bob:s3cret@proxy:8080 and socks5://a:b@c:1')).to.equal(
      'via http://***@proxy:8080 and socks5://***@c:1',
    );
    expect(redactUrlsIn('http://bob:p@ss@proxy:8080/x@y')).to.equal('http://***@proxy:8080/x@y');
    expect(redactUrlsIn('connect ECONNREFUSED 127.0.0.1:9')).to.equal('connect ECONNREFUSED 127.0.0.1:9');
  });

  it('redactUrl hides the userinfo of URLs that do not parse', () => {
    expect(redactUrl('http://user:pw#x@host/api')).to.equal('http://***@host/api');
    expect(redactUrl('http://user:p?ss@host/api')).to.equal('http://***@host/api');
    expect(redactUrl('http://user:p/s\\s @host/api')).to.equal('http://***@host/api');
    expect(redactUrl('https://host/api')).to.equal('https://host/api');
    expect(redactUrl('not a url @ all')).to.equal('not a url @ all');
  });

  it('property: no password survives redactUrl, whatever characters it holds', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.string({ minLength: 4, maxLength: 20 }).filter((p) => !'http://***@host/api'.includes(p)),
        (user, password) => {
          expect(redactUrl(`http://${user}:${password}@host/api`)).to.equal('http://***@host/api');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('redactUrlsIn keeps what follows the authority', () => {
    expect(redactUrlsIn('via http://bob:s3cret@proxy:8080/x@y')).to.equal('via http://***@proxy:8080/x@y');
  });

  it('redactAuthorization hides header values and credential tokens as pages echo them', () => {
    expect(redactAuthorization('Proxy-Authorization: Basic Ym9iOnB3')).to.equal('Proxy-Authorization: ***');
    expect(redactAuthorization('{"authorization":"Bearer abc.def"}')).to.equal('{"authorization":"***"}');
    expect(redactAuthorization('<td>Basic Ym9iOnB3ZA==</td>')).to.equal('<td>Basic ***</td>');
  });

  it('secrets of a URL cover the written, decoded and Basic forms', () => {
    const secrets = secretsOfUrl('http://bob:s%40cret@host/');
    expect(secrets).to.include.members([
      'bob:s%40cret',
      'bob:s@cret',
      's@cret',
      Buffer.from('bob:s@cret').toString('base64'),
      Buffer.from('bob:s%40cret').toString('base64'),
    ]);
    expect(secretsOfUrl('http://host/')).to.deep.equal([]);
    expect(credentialSecrets('a', 'b')).to.deep.equal([Buffer.from('a:b').toString('base64')]);
  });

  it('redactSecrets also removes a secret cut short at the end of an excerpt', () => {
    expect(redactSecrets('echo Ym9iOnMzY3JldA== done', ['Ym9iOnMzY3JldA=='])).to.equal('echo *** done');
    expect(redactSecrets('cut at Ym9iOnMz', ['Ym9iOnMzY3JldA=='])).to.equal('cut at ***');
    expect(redactText('HTTP 407: s3cret Proxy-Authorization: Basic x1y2', ['s3cret'])).to.equal(
      'HTTP 407: *** Proxy-Authorization: ***',
    );
  });
});
