import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { framingHeaders, isFramingHeader, mergeHeaders, validateHeaders } from '../../lib/core/headers.js';

// Framing and hop-by-hop names (`te`, `host`, `proxy-*`) are refused: their own spec below.
const tokenArb = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/).filter((name) => !isFramingHeader(name));
const safeValueArb = fc.stringMatching(/^[\t\x20-\x7e\x80-\xff]{0,30}$/);

describe('core/headers', () => {
  describe('validateHeaders', () => {
    it('accepts token names with values free of CR, LF and NUL', () => {
      fc.assert(
        fc.property(fc.dictionary(tokenArb, safeValueArb), (headers) => {
          expect(validateHeaders(headers)).to.deep.equal(E.right(headers));
        }),
      );
    });

    it('refuses every framing or hop-by-hop name and any proxy-* name, in any case', () => {
      for (const name of [...framingHeaders, 'proxy-authorization', 'Proxy-Foo', 'TE', 'Content-Length']) {
        const result = validateHeaders({ [name]: 'v' });
        expect(E.isLeft(result) && result.left, name).to.include({ kind: 'InvalidRequest', path: `headers.${name}` });
      }
    });

    it('rejects any value holding CR or LF (header smuggling), naming the header', () => {
      fc.assert(
        fc.property(
          tokenArb,
          safeValueArb,
          fc.constantFrom('\r', '\n', '\r\n', '\0'),
          safeValueArb,
          (name, before, bad, after) => {
            const result = validateHeaders({ [name]: `${before}${bad}${after}` });
            expect(E.isLeft(result) && result.left).to.include({ kind: 'InvalidRequest', path: `headers.${name}` });
          },
        ),
      );
    });

    it('rejects control characters and characters above U+00FF, which Node would refuse at send time', () => {
      for (const value of ['a\x01b', 'tab\x7fdel', 'café ☕', '\u0100', 'x\u2028y']) {
        const checked = validateHeaders({ 'x-v': value });
        expect(checked, JSON.stringify(value)).to.have.property('_tag', 'Left');
      }
      expect(validateHeaders({ 'x-v': 'visible ASCII, tab\t and Latin-1 ÿé' })).to.deep.equal(
        E.right({ 'x-v': 'visible ASCII, tab\t and Latin-1 ÿé' }),
      );
    });

    it('keeps a header named like an Object.prototype member', () => {
      const headers = JSON.parse('{"__proto__":"a","constructor":"b"}') as Record<string, string>;
      const result = validateHeaders(headers);
      expect(E.isRight(result) && Object.entries(result.right)).to.deep.equal([
        ['__proto__', 'a'],
        ['constructor', 'b'],
      ]);
      expect(Object.entries(mergeHeaders({ accept: 'x' }, headers))).to.deep.equal([
        ['accept', 'x'],
        ['__proto__', 'a'],
        ['constructor', 'b'],
      ]);
    });

    it('rejects names that are not HTTP tokens, CR/LF included', () => {
      for (const name of ['x a', 'x\r\ny', 'x:y', '', 'é'])
        expect(validateHeaders({ [name]: 'v' }), JSON.stringify(name)).to.have.property('_tag', 'Left');
    });

    it('rejects non-string values and non-objects', () => {
      expect(validateHeaders({ 'x-a': 1 })).to.have.property('_tag', 'Left');
      expect(validateHeaders(['x'])).to.have.property('_tag', 'Left');
      expect(validateHeaders(null)).to.have.property('_tag', 'Left');
    });
  });

  describe('mergeHeaders', () => {
    it('lets later records win, comparing names without case', () => {
      expect(Object.entries(mergeHeaders({ Accept: 'a', 'x-a': '1' }, { accept: 'b' }))).to.deep.equal([
        ['x-a', '1'],
        ['accept', 'b'],
      ]);
    });

    it('keeps exactly one entry per name, whatever the case', () => {
      fc.assert(
        fc.property(fc.array(fc.dictionary(tokenArb, safeValueArb), { maxLength: 4 }), (records) => {
          const names = Object.keys(mergeHeaders(...records)).map((n) => n.toLowerCase());
          expect(new Set(names).size).to.equal(names.length);
        }),
      );
    });
  });
});
