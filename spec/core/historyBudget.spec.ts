import { expect } from 'chai';
import fc from 'fast-check';
import { HistoryBudgetCodec, trimHistory, turnsOf, type HistoryBudget } from '../../lib/core/historyBudget.js';
import type { Message } from '../../lib/core/message.js';
import { formatPrompt } from '../../lib/core/prompt.js';
import { deepFreeze, stringMessageArb } from '../support/arbitraries.js';

const user = (content: string): Message => ({ role: 'user', content });
const assistant = (content: string): Message => ({ role: 'assistant', content });
const system: Message = { role: 'system', content: 'Be brief' };

describe('core/historyBudget', () => {
  it('keeps the system message and the newest whole turns within maxMessages', () => {
    const history = [system, user('a'), assistant('b'), user('c'), assistant('d'), user('e')];
    expect(trimHistory({ maxMessages: 3 })(history)).to.deep.equal([system, user('c'), assistant('d'), user('e')]);
    expect(trimHistory({ maxMessages: 2 })(history)).to.deep.equal([system, user('e')]);
    expect(trimHistory({ maxMessages: 0 })(history)).to.deep.equal([system, user('e')]);
  });

  it('counts maxChars on the formatted prompt, and returns a history that fits as it is', () => {
    const history = [user('Hello'), assistant('Hi there'), user('How are you?')];
    expect(formatPrompt(history.slice(2))).to.equal('How are you?');
    expect(trimHistory({ maxChars: 20 })(history)).to.deep.equal([user('How are you?')]);
    expect(trimHistory({ maxChars: 1000 })(history)).to.equal(history);
    expect(trimHistory({})(history)).to.equal(history);
  });

  it('groups turns: a question and the replies after it; replies before any question apart', () => {
    expect(turnsOf([assistant('x'), user('a'), assistant('b'), assistant('c'), user('d')])).to.deep.equal([
      [assistant('x')],
      [user('a'), assistant('b'), assistant('c')],
      [user('d')],
    ]);
  });

  it('decodes a budget: non-negative integers, unknown keys refused', () => {
    expect(HistoryBudgetCodec.decode({ maxMessages: 4, maxChars: undefined })).to.have.property('_tag', 'Right');
    for (const bad of [{ maxMessages: -1 }, { maxChars: 1.5 }, { maxMessage: 3 }, [], 'x', null])
      expect(HistoryBudgetCodec.decode(bad), JSON.stringify(bad)).to.have.property('_tag', 'Left');
  });

  describe('properties', () => {
    const historyArb = fc
      .tuple(
        fc.boolean(),
        fc.array(
          stringMessageArb.filter((m) => m.role !== 'system'),
          { maxLength: 14 },
        ),
      )
      .map(([withSystem, rest]) => (withSystem ? [system, ...rest] : rest));
    const budgetArb: fc.Arbitrary<HistoryBudget> = fc.record(
      { maxMessages: fc.nat({ max: 12 }), maxChars: fc.nat({ max: 300 }) },
      { requiredKeys: [] },
    );
    const fitsIn = (budget: HistoryBudget, messages: ReadonlyArray<Message>): boolean =>
      (budget.maxMessages === undefined || messages.length <= budget.maxMessages) &&
      (budget.maxChars === undefined || formatPrompt(messages).length <= budget.maxChars);

    const runs = 500;
    it(`system kept, newest turns kept whole and contiguous, within budget, as many as fit, input untouched (${runs} runs)`, () => {
      fc.assert(
        fc.property(historyArb, budgetArb, (history, budget) => {
          deepFreeze(history);
          const trimmed = trimHistory(budget)(history);
          const hasSystem = history[0]?.role === 'system';
          const rest = history.slice(hasSystem ? 1 : 0);
          const kept = trimmed.slice(hasSystem ? 1 : 0);
          if (hasSystem) expect(trimmed[0]).to.equal(history[0]);
          // a suffix of the history: the newest messages, in order
          expect(kept).to.deep.equal(rest.slice(rest.length - kept.length));
          const turns = turnsOf(rest);
          const keptTurns = turnsOf(kept);
          // whole turns: the kept part is the newest turns of the history, never a reply without its question
          expect(keptTurns).to.deep.equal(turns.slice(turns.length - keptTurns.length));
          if (kept.length < rest.length) expect(kept[0]?.role).to.not.equal('assistant');
          // the newest turn is always there
          if (rest.length > 0) expect(keptTurns.length).to.be.at.least(1);
          // within budget, unless only the newest turn is kept
          if (keptTurns.length > 1) expect(fitsIn(budget, kept)).to.equal(true);
          // as many as fit: one more turn would not
          if (keptTurns.length < turns.length && keptTurns.length > 0) {
            const older = turns[turns.length - keptTurns.length - 1] ?? [];
            expect(fitsIn(budget, [...older, ...kept])).to.equal(false);
          }
        }),
        { numRuns: runs },
      );
    });
  });
});
