import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import {
  Conversation,
  appendHistory,
  fromJson,
  make,
  toJson,
  userIdAt,
  withHistory,
} from '../../lib/core/conversation.js';
import { normalise, type Message } from '../../lib/core/message.js';
import { conversationArb, deepFreeze, messageArb } from '../support/arbitraries.js';

const leftMessage = (u: unknown): string =>
  pipe(
    fromJson(u),
    E.match(
      (e) => e.message,
      () => 'decoded',
    ),
  );

describe('core/conversation', () => {
  describe('make', () => {
    it('starts an empty history with the service id of the clock’s time', () => {
      expect(make('gpt-4', () => 1700000000000)).to.deep.equal({
        model: 'gpt-4',
        userId: '#/chat/1700000000000',
        messageHistory: [],
      });
      expect(userIdAt(5)).to.equal('#/chat/5');
    });

    it('mints an unguessable id from a CSPRNG by default, never the clock', () => {
      const ids = new Set(Array.from({ length: 1000 }, () => make('gpt-4').userId));
      expect(ids.size).to.equal(1000);
      for (const id of ids) expect(id).to.match(/^#\/chat\/\d{20}$/);
      const now = Date.now;
      Date.now = () => 7;
      try {
        expect(make('gpt-4').userId).to.not.equal('#/chat/7');
      } finally {
        Date.now = now;
      }
    });
  });

  describe('appendHistory', () => {
    it('adds exactly one message, at the end, and never mutates', () => {
      fc.assert(
        fc.property(conversationArb, messageArb, (conversation, message) => {
          const snapshot = structuredClone(conversation);
          const frozen = deepFreeze(conversation);
          const next = pipe(frozen, appendHistory(deepFreeze(message)));
          expect(frozen).to.deep.equal(snapshot);
          expect(next).to.not.equal(frozen);
          expect(next.messageHistory).to.have.length(frozen.messageHistory.length + 1);
          expect(next.messageHistory.slice(0, -1)).to.deep.equal(frozen.messageHistory);
          expect(next.messageHistory.at(-1)).to.deep.equal(normalise(message));
          expect(next.userId).to.equal(frozen.userId);
          expect(next.model).to.equal(frozen.model);
        }),
      );
    });

    it('stores text parts as one string', () => {
      const next = pipe(
        make('gpt-4', () => 1),
        appendHistory({
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        }),
      );
      expect(next.messageHistory).to.deep.equal([{ role: 'user', content: 'ab' }]);
    });
  });

  describe('withHistory', () => {
    it('replaces the history, normalised, without touching the input', () => {
      const history: ReadonlyArray<Message> = deepFreeze([{ role: 'user', content: [{ type: 'text', text: 'x' }] }]);
      const base = deepFreeze(make('gpt-4', () => 1));
      expect(pipe(base, withHistory(history)).messageHistory).to.deep.equal([{ role: 'user', content: 'x' }]);
      expect(base.messageHistory).to.deep.equal([]);
    });
  });

  describe('toJson / fromJson', () => {
    it('uses gpt4free’s field names, exactly', () => {
      const c: Conversation = { model: 'gpt-4', userId: '#/chat/1', messageHistory: [{ role: 'user', content: 'Hi' }] };
      expect(toJson(c)).to.deep.equal({
        model: 'gpt-4',
        userId: '#/chat/1',
        message_history: [{ role: 'user', content: 'Hi' }],
      });
      expect(JSON.stringify(toJson(c))).to.equal(
        '{"model":"gpt-4","userId":"#/chat/1","message_history":[{"role":"user","content":"Hi"}]}',
      );
    });

    it('round-trips any conversation through JSON text', () => {
      fc.assert(
        fc.property(conversationArb, (c) => {
          expect(fromJson(JSON.parse(JSON.stringify(toJson(c))))).to.deep.equal(E.right(c));
        }),
      );
    });

    it('accepts saved text parts and joins them', () => {
      const decoded = fromJson({
        model: 'gpt-4',
        userId: '#/chat/1',
        message_history: [{ role: 'assistant', content: [{ type: 'text', text: 'ok' }] }],
      });
      expect(decoded).to.deep.equal(
        E.right({ model: 'gpt-4', userId: '#/chat/1', messageHistory: [{ role: 'assistant', content: 'ok' }] }),
      );
    });

    it('never throws, and rejects anything that is not a conversation', () => {
      fc.assert(
        fc.property(fc.anything(), (u) => {
          const decoded = fromJson(u);
          expect(decoded).to.have.property('_tag', 'Left');
          expect(leftMessage(u)).to.match(/^not a conversation: /);
        }),
      );
    });

    it('says what is wrong and where, readably', () => {
      expect(leftMessage(null)).to.equal('not a conversation: value: expected ConversationJson, got null');
      expect(leftMessage({ model: 'gpt-4', userId: '#/chat/1' })).to.equal(
        'not a conversation: message_history: expected ReadonlyArray<Message>, got undefined',
      );
      expect(
        leftMessage({ model: 'gpt-4', userId: '#/chat/1', message_history: [{ role: 'bot', content: 'x' }] }),
      ).to.equal(
        'not a conversation: message_history.0.role: expected "system" | "developer" | "user" | "assistant", got "bot"',
      );
      expect(leftMessage({ model: 'gpt-4', userId: '#/chat/1', messageHistory: [] })).to.include('message_history');
      expect(
        leftMessage({
          model: 'gpt-4',
          userId: '#/chat/1',
          message_history: [{ role: 'user', content: [{ type: 'image_url', url: 'x' }] }],
        }),
      ).to.equal(
        'not a conversation: message_history.0.content.0.type: expected "text", got "image_url"; message_history.0.content.0.text: expected string, got undefined',
      );
      expect(leftMessage({ model: 1, userId: 2, message_history: 3, extra: 4 })).to.equal(
        'not a conversation: model: expected string, got 1; userId: expected string, got 2; message_history: expected ReadonlyArray<Message>, got 3',
      );
    });

    it('is reachable as the Conversation module', () => {
      expect(Conversation.make).to.equal(make);
      expect(Conversation.toJson).to.equal(toJson);
      expect(Conversation.fromJson).to.equal(fromJson);
    });
  });
});
