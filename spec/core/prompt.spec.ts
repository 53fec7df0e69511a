import { expect } from 'chai';
import * as O from 'fp-ts/lib/Option.js';
import { extractSystem, formatPrompt } from '../../lib/core/prompt.js';
import type { Message } from '../../lib/core/message.js';

const user = (content: string): Message => ({ role: 'user', content });
const assistant = (content: string): Message => ({ role: 'assistant', content });

describe('core/prompt', () => {
  describe('formatPrompt', () => {
    it('sends a single message as its content alone', () => {
      expect(formatPrompt([user('Hello there')])).to.equal('Hello there');
    });

    it('writes several messages as capitalised role lines and asks the assistant to continue', () => {
      expect(formatPrompt([user('Hi'), assistant('Hello'), { role: 'developer', content: 'Be brief' }, user('Bye')])).to.equal(
        'User: Hi\nAssistant: Hello\nDeveloper: Be brief\nUser: Bye\nAssistant:',
      );
    });

    it('leaves out messages whose content is blank', () => {
      expect(formatPrompt([user('Hi'), assistant('  \n'), user('Again')])).to.equal('User: Hi\nUser: Again\nAssistant:');
    });

    it('joins text parts', () => {
      expect(formatPrompt([{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }])).to.equal('ab');
    });
  });

  describe('extractSystem', () => {
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
