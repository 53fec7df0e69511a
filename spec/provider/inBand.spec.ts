import { expect } from 'chai';
import fc from 'fast-check';
import { abnormalTrafficPrefix, banPrefix, classifyStart, maxLeadingWhitespace } from '../../lib/provider/inBand.js';

const prefixes = (s: string): ReadonlyArray<string> => Array.from({ length: s.length }, (_, i) => s.slice(0, i + 1));
const randomCase = (s: string, flips: ReadonlyArray<boolean>): string =>
  [...s].map((ch, i) => (flips[i % Math.max(1, flips.length)] ? ch.toUpperCase() : ch.toLowerCase())).join('');
const whitespaceArb = fc.string({ unit: fc.constantFrom(' ', '\n', '\r', '\t'), maxLength: 20 });

describe('provider/inBand classifyStart', () => {
  it('recognises the ban text, in any case, with anything after it', () => {
    expect(classifyStart(banPrefix)).to.deep.equal({ _tag: 'Blocked', reason: 'ip-banned' });
    expect(classifyStart(`${banPrefix}，请明天再试`)).to.deep.equal({ _tag: 'Blocked', reason: 'ip-banned' });
    expect(classifyStart(banPrefix.toUpperCase())).to.deep.equal({ _tag: 'Blocked', reason: 'ip-banned' });
  });

  it('recognises abnormal traffic', () => {
    expect(classifyStart(`${abnormalTrafficPrefix}，请更换网络环境`)).to.deep.equal({
      _tag: 'Blocked',
      reason: 'abnormal-traffic',
    });
  });

  it('recognises an HTML page after any whitespace, in any case', () => {
    fc.assert(
      fc.property(
        whitespaceArb,
        fc.constantFrom('<!doctype html', '<html'),
        fc.array(fc.boolean(), { minLength: 1 }),
        fc.string(),
        (ws, tag, flips, rest) => {
          expect(classifyStart(`${ws}${randomCase(tag, flips)}${rest}`)).to.deep.equal({
            _tag: 'Blocked',
            reason: 'html-page',
          });
        },
      ),
    );
  });

  it('holds every proper prefix of a refusal (any case, HTML after whitespace) as Undecided', () => {
    const cases = [
      ...prefixes(banPrefix).slice(0, -1),
      ...prefixes(abnormalTrafficPrefix).slice(0, -1),
      ...prefixes('<!DOCTYPE html')
        .slice(0, -1)
        .map((p) => `  \n${p}`),
      ...prefixes('<HTML').slice(0, -1),
      'SORRY, 您的IP',
      '   ',
    ];
    for (const start of cases) expect(classifyStart(start), JSON.stringify(start)).to.deep.equal({ _tag: 'Undecided' });
  });

  it('is Text as soon as the start can no longer be a refusal', () => {
    for (const start of [
      'Hello',
      'sorry, I',
      'Sorry, I cannot',
      '流量',
      '流量很大',
      '<div>',
      '<!doctype xml',
      ' x',
      '<htm!',
    ])
      expect(classifyStart(start), start).to.not.deep.equal({ _tag: 'Blocked', reason: 'ip-banned' });
    for (const start of ['Hello', 'Sorry, I cannot', '流量很大', '<div>', '<!doctype xml', ' x', '<htm!'])
      expect(classifyStart(start), start).to.deep.equal({ _tag: 'Text' });
  });

  it('a reply that merely contains refusal words later is Text', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 10 }).filter((s) => s.trim() !== '' && classifyStart(s)._tag === 'Text'),
        fc.constantFrom(banPrefix, abnormalTrafficPrefix, '<!DOCTYPE html>', '<html>'),
        (lead, refusal) => {
          expect(classifyStart(`${lead}${refusal}`)).to.deep.equal({ _tag: 'Text' });
        },
      ),
    );
  });

  it('a verdict once reached does not change as more text arrives', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (start, more) => {
        const first = classifyStart(start);
        if (first._tag === 'Blocked' || (first._tag === 'Text' && start.trim() !== ''))
          expect(classifyStart(start + more)).to.deep.equal(first);
      }),
    );
  });

  it('stops holding whitespace past the bound', () => {
    expect(classifyStart(' '.repeat(maxLeadingWhitespace))._tag).to.equal('Undecided');
    expect(classifyStart(' '.repeat(maxLeadingWhitespace + 1))._tag).to.equal('Text');
  });
});
