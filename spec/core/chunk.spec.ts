import { expect } from 'chai';
import fc from 'fast-check';
import { conversation, finish, isConversation, isFinish, isText, text, type Chunk } from '../../lib/core/chunk.js';
import { make } from '../../lib/core/conversation.js';

describe('core/chunk', () => {
  const c = make('gpt-4', () => 1);

  it('builds each kind of chunk', () => {
    expect(text('Hi')).to.deep.equal({ type: 'text', text: 'Hi' });
    expect(conversation(c)).to.deep.equal({ type: 'conversation', conversation: c });
    expect(finish).to.deep.equal({ type: 'finish', reason: 'stop' });
  });

  it('shares one frozen finish chunk', () => {
    expect(finish).to.be.frozen;
  });

  it('exactly one guard holds for any chunk', () => {
    const chunkArb: fc.Arbitrary<Chunk> = fc.oneof(
      fc.string().map(text),
      fc.constant(conversation(c)),
      fc.constant(finish),
    );
    fc.assert(
      fc.property(chunkArb, (chunk) => {
        const held = [isText(chunk), isConversation(chunk), isFinish(chunk)].filter(Boolean);
        expect(held).to.have.length(1);
        expect(isText(chunk)).to.equal(chunk.type === 'text');
        expect(isFinish(chunk)).to.equal(chunk.type === 'finish');
      }),
    );
  });

  it('chunks are plain JSON values', () => {
    expect(JSON.parse(JSON.stringify([text('a'), finish]))).to.deep.equal([text('a'), finish]);
  });
});
