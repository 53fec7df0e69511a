import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { parseProxy } from '../../lib/core/proxy.js';

const passwordArb = fc.stringMatching(/^[A-Za-z0-9]{6,12}$/);

describe('core/proxy', () => {
  describe('parseProxy', () => {
    it('reads scheme, host, port and decoded credentials', () => {
      const parsed = parseProxy('http://bob:p%40ss@127.0.0.1:3128');
      expect(E.isRight(parsed) && parsed.right).to.deep.equal({
        protocol: 'http',
        url: 'http://bob:p%40ss@127.0.0.1:3128',
        redacted: 'http://***@127.0.0.1:3128',
        host: '127.0.0.1',
        port: 3128,
        credentials: ['bob', 'p@ss'],
      });
    });

    it('fills default ports, unbrackets IPv6 hosts, and takes every supported scheme', () => {
      const port = (url: string): unknown =>
        E.isRight(parseProxy(url)) && (parseProxy(url) as E.Right<{ port: number }>).right.port;
      expect(port('http://proxy')).to.equal(80);
      expect(port('https://proxy')).to.equal(443);
      for (const scheme of ['socks4', 'socks4a', 'socks5', 'socks5h']) expect(port(`${scheme}://proxy`)).to.equal(1080);
      const v6 = parseProxy('http://[::1]:8080');
      expect(E.isRight(v6) && v6.right.host).to.equal('::1');
      expect(
        E.isRight(parseProxy('socks5://proxy:1080')) &&
          (parseProxy('socks5://proxy:1080') as E.Right<{ credentials: unknown }>).right.credentials,
      ).to.equal(undefined);
    });

    it('rejects what is not a proxy URL', () => {
      for (const input of [
        '',
        'proxy:8080',
        'ftp://proxy:21',
        'http://proxy:8080/path',
        'http://proxy?x=1',
        'file:///etc/passwd',
      ]) {
        const parsed = parseProxy(input);
        expect(E.isLeft(parsed) && parsed.left, input).to.include({ kind: 'InvalidRequest', path: 'proxy' });
      }
    });

    it('never puts a password in `redacted` or in an error, even with @ or spaces in it', () => {
      fc.assert(
        fc.property(
          passwordArb,
          fc.constantFrom('', '@', ' ', '@@'),
          fc.constantFrom('http', 'socks5', 'ftp', 'gopher'),
          fc.constantFrom('', '/x', '?q'),
          (password, extra, scheme, tail) => {
            const secret = `${password}${extra}${password}`;
            const parsed = parseProxy(`${scheme}://user:${secret}@host.test:8080${tail}`);
            const exposed = E.isRight(parsed)
              ? parsed.right.redacted
              : `${parsed.left.message} ${JSON.stringify(parsed.left)}`;
            expect(exposed).to.not.include(password);
          },
        ),
      );
    });
  });
});
