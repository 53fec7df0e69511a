import { expect } from 'chai';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { YqcloudError } from '../../lib/core/error.js';
import { validateRequest, yqcloudModels, type ValidRequest } from '../../lib/core/request.js';
import { deepFreeze, messagesArb } from '../support/arbitraries.js';

const hi = [{ role: 'user', content: 'Hi' }] as const;

const rejection = (u: unknown): YqcloudError => {
  const result = validateRequest(u);
  if (E.isRight(result)) throw new Error(`accepted ${JSON.stringify(u)}`);
  return result.left;
};
const accepted = (u: unknown): ValidRequest => {
  const result = validateRequest(u);
  if (E.isLeft(result)) throw result.left;
  return result.right;
};

describe('core/request validateRequest', () => {
  it('never throws, on anything at all', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withNullPrototype: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withSparseArray: true,
        }),
        (u) => {
          const result = validateRequest(u);
          if (E.isLeft(result))
            expect(result.left).to.be.instanceOf(YqcloudError).and.have.property('kind', 'InvalidRequest');
        },
      ),
    );
  });

  it('never throws on request-shaped junk either, and rejects it as InvalidRequest', () => {
    const junk = fc.record(
      {
        messages: fc.oneof(fc.anything(), fc.array(fc.record({ role: fc.string(), content: fc.anything() }))),
        model: fc.anything(),
        stream: fc.anything(),
        proxy: fc.oneof(fc.string(), fc.webUrl(), fc.anything()),
        returnConversation: fc.anything(),
        conversation: fc.anything(),
        signal: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(junk, (u) => {
        const result = validateRequest(u);
        expect(E.isLeft(result) ? result.left.kind : 'ok').to.be.oneOf(['InvalidRequest', 'ok']);
      }),
    );
  });

  it('does not throw when reading the request throws', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('no');
        },
      },
    );
    expect(rejection(hostile).kind).to.equal('InvalidRequest');
    const getter = Object.defineProperty({ messages: hi }, 'stream', {
      enumerable: true,
      get: () => {
        throw new Error('no');
      },
    });
    expect(rejection(getter).kind).to.equal('InvalidRequest');
  });

  it('accepts any valid message list, fills defaults and normalises content, without mutating', () => {
    fc.assert(
      fc.property(
        messagesArb.filter((m) => m.length > 0),
        (messages) => {
          const request = deepFreeze({ messages: structuredClone(messages) });
          const valid = accepted(request);
          expect(valid.model).to.equal('gpt-4');
          expect(valid).to.have.property('stream', true);
          expect(valid).to.have.property('returnConversation', false);
          expect(valid.proxy).to.deep.equal(O.none);
          expect(valid.conversation).to.deep.equal(O.none);
          expect(valid.messages.filter((m) => typeof m.content !== 'string')).to.deep.equal([]);
          expect(request.messages).to.deep.equal(messages);
        },
      ),
    );
  });

  it('keeps the caller’s flags, model, signal and conversation', () => {
    const signal = new AbortController().signal;
    const conversation = { model: 'gpt-4', userId: '#/chat/1', messageHistory: [] };
    const valid = accepted({
      messages: hi,
      model: 'gpt-4',
      stream: false,
      returnConversation: true,
      signal,
      conversation,
    });
    expect(valid).to.deep.include({ model: 'gpt-4', stream: false, returnConversation: true });
    expect(valid.signal).to.deep.equal(O.some(signal));
    expect(valid.conversation).to.deep.equal(O.some(conversation));
  });

  it('treats an empty model and an empty proxy as absent, and undefined options too', () => {
    expect(accepted({ messages: hi, model: '', proxy: '' })).to.deep.include({ model: 'gpt-4', proxy: O.none });
    expect(accepted({ messages: hi, stream: undefined, model: undefined })).to.have.property('stream', true);
  });

  it('parses a proxy URL', () => {
    const valid = accepted({ messages: hi, proxy: 'http://bob:pw@127.0.0.1:3128' });
    expect(O.toUndefined(valid.proxy)).to.deep.include({
      protocol: 'http',
      host: '127.0.0.1',
      port: 3128,
      credentials: ['bob', 'pw'],
    });
  });

  const rejected: ReadonlyArray<readonly [string, unknown, string, RegExp]> = [
    ['not an object', 'Hello', '', /must be an object with `messages`/],
    ['an array', [hi], '', /must be an object/],
    ['no messages', {}, 'messages', /messages: expected ReadonlyArray<Message>, got undefined/],
    ['empty messages', { messages: [] }, 'messages', /at least one message/],
    [
      'an unknown role',
      { messages: [{ role: 'bot', content: 'x' }] },
      'messages.0.role',
      /expected "system" \| "developer" \| "user" \| "assistant", got "bot"/,
    ],
    ['a missing content', { messages: [{ role: 'user' }] }, 'messages.0.content', /messages\.0\.content/],
    [
      'a non-text content part',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'a' },
              { type: 'image_url', image_url: { url: 'x' } },
            ],
          },
        ],
      },
      'messages.0.content.1.type',
      /messages\.0\.content\.1\.type: expected "text", got "image_url"/,
    ],
    [
      'an unknown model',
      { messages: hi, model: 'gpt-3.5' },
      'model',
      /unknown model "gpt-3\.5"; this provider serves gpt-4/,
    ],
    ['a non-string model', { messages: hi, model: 4 }, 'model', /model: expected string, got 4/],
    ['a malformed proxy URL', { messages: hi, proxy: 'not a url' }, 'proxy', /proxy: not a URL/],
    [
      'an unsupported proxy scheme',
      { messages: hi, proxy: 'ftp://proxy:21' },
      'proxy',
      /unsupported proxy scheme "ftp"/,
    ],
    ['a proxy with a path', { messages: hi, proxy: 'http://proxy:8080/x' }, 'proxy', /no path, query or fragment/],
    ['a non-boolean stream', { messages: hi, stream: 'true' }, 'stream', /stream: expected boolean, got "true"/],
    [
      'a non-boolean returnConversation',
      { messages: hi, returnConversation: 1 },
      'returnConversation',
      /expected boolean, got 1/,
    ],
    ['a signal that is not one', { messages: hi, signal: { aborted: false } }, 'signal', /expected AbortSignal/],
    [
      'a conversation that is not one',
      { messages: hi, conversation: { model: 'gpt-4' } },
      'conversation.userId',
      /conversation\.userId: expected string/,
    ],
    [
      'an unknown key',
      { messages: hi, temperature: 0.2 },
      'temperature',
      /temperature: unknown option; the options are messages, model/,
    ],
  ];
  for (const [name, request, path, message] of rejected)
    it(`rejects ${name} with a readable message and its path`, () => {
      const error = rejection(request);
      expect(error).to.be.instanceOf(YqcloudError);
      expect(error).to.include({ kind: 'InvalidRequest', path, partialText: '' });
      expect(error.message).to.match(message);
    });

  it('checks models against the given set', () => {
    expect(validateRequest({ messages: hi, model: 'b' }, { defaultModel: 'a', models: ['a', 'b'] })).to.have.property(
      '_tag',
      'Right',
    );
    expect(yqcloudModels).to.deep.equal({ defaultModel: 'gpt-4', models: ['gpt-4'] });
  });

  it('never echoes proxy credentials in its messages', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('ftp', 'gopher', 'http', 'socks5'),
        fc.stringMatching(/^[A-Za-z0-9]{8,16}$/),
        fc.constantFrom('', '/path', '?q=1', ' x', '@', '@@'),
        (scheme, password, tail) => {
          const result = validateRequest({
            messages: hi,
            proxy: `${scheme}://user:${password}@proxy.test:1080${tail}`,
          });
          if (E.isLeft(result)) {
            expect(result.left.message).to.not.include(password);
            expect(JSON.stringify(result.left)).to.not.include(password);
          }
        },
      ),
    );
  });
});
