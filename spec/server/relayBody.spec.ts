import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { Conversation } from '../../lib/core/conversation.js';
import { decodeRelayBody } from '../../lib/server/routes/relay/relayBody.js';
import { conversationArb, deepFreeze, messageArb } from '../support/arbitraries.js';

const leftOf = (u: unknown): Record<string, unknown> => {
  const decoded = decodeRelayBody(u);
  if (E.isRight(decoded)) throw new Error(`decoded ${JSON.stringify(u)}`);
  return decoded.left.toJSON();
};

describe('server/relayBody', () => {
  it('decodes whatever a client sends through JSON: messages, model, conversation, returnConversation', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 5 }),
        fc.option(conversationArb, { nil: undefined }),
        fc.option(fc.boolean(), { nil: undefined }),
        (messages, conversation, returnConversation) => {
          const body = JSON.parse(
            JSON.stringify({
              messages,
              model: 'gpt-4',
              ...(conversation === undefined ? {} : { conversation: Conversation.toJson(conversation) }),
              ...(returnConversation === undefined ? {} : { returnConversation }),
            }),
          ) as unknown;
          const decoded = decodeRelayBody(deepFreeze(body));
          expect(E.isRight(decoded)).to.equal(true);
          if (E.isLeft(decoded)) return;
          expect(decoded.right.messages).to.deep.equal(messages);
          expect(decoded.right.returnConversation).to.equal(returnConversation);
          if (conversation !== undefined)
            expect(decoded.right.conversation).to.deep.equal(
              E.getOrElseW(() => undefined)(Conversation.fromJson(Conversation.toJson(conversation))),
            );
          else expect(decoded.right).to.not.have.property('conversation');
        },
      ),
    );
  });

  it('refuses with InvalidRequest and a path: unknown keys (proxy, stream, __proto__), bad messages, a bad conversation', () => {
    const messages = [{ role: 'user', content: 'Hi' }];
    expect(leftOf({ messages, proxy: 'http://attacker.test' })).to.include({ kind: 'InvalidRequest', path: 'proxy' });
    expect(leftOf({ messages, stream: false })).to.include({ path: 'stream' });
    expect(leftOf(JSON.parse('{"messages":[{"role":"user","content":"Hi"}],"__proto__":{"x":1}}'))).to.include({
      path: '__proto__',
    });
    expect(leftOf({ messages: [] })).to.include({ path: 'messages' });
    expect(leftOf({ messages: [{ role: 'user', content: 1 }] })).to.include({ path: 'messages.0.content' });
    expect(leftOf({ messages, conversation: { model: 'gpt-4', userId: 1, message_history: [] } })).to.include({
      path: 'conversation',
    });
    expect(leftOf({ messages, returnConversation: 'yes' })).to.include({ path: 'returnConversation' });
    for (const u of [null, [], 'messages', 42]) expect(leftOf(u)).to.include({ kind: 'InvalidRequest', path: '' });
  });
});
