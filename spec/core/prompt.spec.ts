import { expect } from 'chai';
import fc from 'fast-check';
import * as O from 'fp-ts/lib/Option.js';
import { extractSystem, formatPrompt, roleLabel } from '../../lib/core/prompt.js';
import { messageText, type Message } from '../../lib/core/message.js';
import { deepFreeze, messageArb, messagesArb, roleArb } from '../support/arbitraries.js';

const user = (content: string): Message => ({ role: 'user', content });
const assistant = (content: string): Message => ({ role: 'assistant', content });

describe('core/prompt', () => {
  describe('formatPrompt', () => {
    it('sends a single message as its content alone', () => {
      expect(formatPrompt([user('Hello there')])).to.equal('Hello there');
    });

    it('writes several messages as capitalised role lines and asks the assistant to continue', () => {
      expect(
        formatPrompt([user('Hi'), assistant('Hello'), { role: 'developer', content: 'Be brief' }, user('Bye')]),
      ).to.equal('User: Hi\nAssistant: Hello\nDeveloper: Be brief\nUser: Bye\nAssistant:');
    });

    it('leaves out messages whose content is blank', () => {
      expect(formatPrompt([user('Hi'), assistant('  \n'), user('Again')])).to.equal(
        'User: Hi\nUser: Again\nAssistant:',
      );
    });

    it('joins text parts', () => {
      expect(
        formatPrompt([
          {
            role: 'user',
            content: [
              { type: 'text', text: 'a' },
              { type: 'text', text: 'b' },
            ],
          },
        ]),
      ).to.equal('ab');
    });
  });

  describe('formatPrompt properties', () => {
    const blankArb = fc.record({ role: roleArb, content: fc.constantFrom('', ' ', '\n\t ', [] as const) });
    const nonBlank = (m: Message): boolean => messageText(m).trim() !== '';

    it('never throws and never mutates, on any message list', () => {
      fc.assert(
        fc.property(messagesArb, (messages) => {
          const frozen = deepFreeze(structuredClone(messages));
          expect(formatPrompt(frozen)).to.be.a('string');
          expect(frozen).to.deep.equal(messages);
        }),
      );
    });

    it('one message is its text alone, whatever its role', () => {
      fc.assert(fc.property(messageArb, (m) => formatPrompt([m]) === messageText(m)));
    });

    it('several messages end with "\nAssistant:" and hold each non-blank one as "Role: text", in order', () => {
      fc.assert(
        fc.property(fc.array(messageArb, { minLength: 2, maxLength: 8 }), (messages) => {
          const prompt = formatPrompt(messages);
          expect(prompt).to.match(/\nAssistant:$/);
          let from = 0;
          for (const m of messages.filter(nonBlank)) {
            const at = prompt.indexOf(`${roleLabel(m.role)}: ${messageText(m)}`, from);
            expect(at).to.be.at.least(from);
            from = at + 1;
          }
        }),
      );
    });

    it('blank messages change nothing in a list of several', () => {
      fc.assert(
        fc.property(
          fc.array(messageArb, { minLength: 2, maxLength: 6 }),
          fc.array(fc.tuple(fc.nat(), blankArb), { maxLength: 4 }),
          (messages, blanks) => {
            const padded = [...messages];
            for (const [at, blank] of blanks) padded.splice(at % (padded.length + 1), 0, blank);
            return formatPrompt(padded) === formatPrompt(messages);
          },
        ),
      );
    });

    it('text parts give the same prompt as the joined string', () => {
      fc.assert(
        fc.property(
          messagesArb,
          (messages) =>
            formatPrompt(messages) === formatPrompt(messages.map((m) => ({ role: m.role, content: messageText(m) }))),
        ),
      );
    });

    it('an empty list is the empty prompt', () => {
      expect(formatPrompt([])).to.equal('');
    });
  });

  describe('roleLabel', () => {
    it('capitalises every role', () => {
      expect(['system', 'developer', 'user', 'assistant'].map((r) => roleLabel(r as Message['role']))).to.deep.equal([
        'System',
        'Developer',
        'User',
        'Assistant',
      ]);
    });
  });

  describe('extractSystem', () => {
    it('never mutates and keeps every message but a leading system one', () => {
      fc.assert(
        fc.property(messagesArb, (messages) => {
          const frozen = deepFreeze(structuredClone(messages));
          const split = extractSystem(frozen);
          const leading = messages[0]?.role === 'system';
          expect(split.messages).to.deep.equal(leading ? messages.slice(1) : messages);
          expect(split.system).to.deep.equal(leading && messages[0] ? O.some(messageText(messages[0])) : O.none);
        }),
      );
    });

    it('takes the first message as system only when its role is system', () => {
      const split = extractSystem([{ role: 'system', content: 'Be kind' }, user('Hi')]);
      expect(split.system).to.deep.equal(O.some('Be kind'));
      expect(split.messages).to.deep.equal([user('Hi')]);
    });

    it('leaves a later system message in the prompt', () => {
      const history: ReadonlyArray<Message> = [user('Hi'), { role: 'system', content: 'x' }];
      expect(extractSystem(history)).to.deep.equal({ system: O.none, messages: history });
    });
  });
});
