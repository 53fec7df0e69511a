import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import type { Conversation } from '../../lib/core/conversation.js';
import { validateRequest, type ValidRequest } from '../../lib/core/request.js';
import { buildPayload, defaultHeaders, requestHeaders, turnConversation } from '../../lib/provider/payload.js';
import { conversationArb, deepFreeze, messagesArb } from '../support/arbitraries.js';

const valid = (u: unknown): ValidRequest => {
  const r = validateRequest(u);
  if (E.isLeft(r)) throw r.left;
  return r.right;
};
const clock = (): number => 1700000000000;

describe('provider/payload', () => {
  describe('turnConversation', () => {
    it('starts a new conversation holding the given messages', () => {
      const c = turnConversation(
        valid({
          messages: [
            { role: 'system', content: 'S' },
            { role: 'user', content: 'Hi' },
          ],
        }),
        clock,
      );
      expect(c).to.deep.equal({
        model: 'gpt-4',
        userId: '#/chat/1700000000000',
        messageHistory: [
          { role: 'system', content: 'S' },
          { role: 'user', content: 'Hi' },
        ],
      });
    });

    it('continuing appends only the last message, keeps the userId, and never mutates', () => {
      fc.assert(
        fc.property(
          conversationArb,
          messagesArb.filter((m) => m.length > 0),
          (conversation, messages) => {
            const snapshot = structuredClone(conversation);
            const frozen = deepFreeze(conversation);
            const next = turnConversation(valid({ messages, conversation: frozen }), clock);
            expect(frozen).to.deep.equal(snapshot);
            expect(next.userId).to.equal(frozen.userId);
            expect(next.messageHistory).to.have.length(frozen.messageHistory.length + 1);
            expect(next.messageHistory.at(-1)?.content).to.equal(valid({ messages }).messages.at(-1)?.content);
          },
        ),
      );
    });
  });

  describe('buildPayload', () => {
    const c = (history: Conversation['messageHistory']): Conversation => ({
      model: 'gpt-4',
      userId: '#/chat/9',
      messageHistory: history,
    });

    it('has exactly the six keys, in the protocol’s order', () => {
      expect(buildPayload(c([{ role: 'user', content: 'Hi' }]), true)).to.deep.equal({
        prompt: 'Hi',
        userId: '#/chat/9',
        network: true,
        system: '',
        withoutContext: false,
        stream: true,
      });
      expect(Object.keys(buildPayload(c([{ role: 'user', content: 'Hi' }]), false))).to.deep.equal([
        'prompt',
        'userId',
        'network',
        'system',
        'withoutContext',
        'stream',
      ]);
    });

    it('sends a leading system message as `system`, not in the prompt', () => {
      expect(
        buildPayload(
          c([
            { role: 'system', content: 'Be brief' },
            { role: 'user', content: 'Hi' },
          ]),
          true,
        ),
      ).to.deep.include({
        system: 'Be brief',
        prompt: 'Hi',
      });
    });

    it('keeps a later system message in the prompt', () => {
      expect(
        buildPayload(
          c([
            { role: 'user', content: 'Hi' },
            { role: 'system', content: 'Rule' },
          ]),
          true,
        ).prompt,
      ).to.equal('User: Hi\nSystem: Rule\nAssistant:');
    });
  });

  describe('headers', () => {
    it('are the protocol’s six, with the site as origin and referer', () => {
      expect(Object.keys(defaultHeaders('https://chat9.yqcloud.top'))).to.have.members([
        'accept',
        'accept-language',
        'content-type',
        'origin',
        'referer',
        'user-agent',
      ]);
      expect(defaultHeaders('https://x.test')).to.include({ origin: 'https://x.test', referer: 'https://x.test/' });
    });

    it('merge the caller’s over them, and drop the browser’s own in a browser', () => {
      const merged = requestHeaders('https://x.test', { 'User-Agent': 'mine', 'x-a': '1' }, false);
      expect(merged).to.include({ 'User-Agent': 'mine', 'x-a': '1' });
      expect(merged).to.not.have.property('user-agent');
      const browser = requestHeaders('https://x.test', { 'x-a': '1' }, true);
      expect(browser).to.not.have.any.keys('origin', 'referer', 'user-agent');
      expect(browser).to.include({ 'x-a': '1', accept: 'application/json, text/plain, */*' });
    });
  });
});
