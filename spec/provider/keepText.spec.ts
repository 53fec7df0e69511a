import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';
import type { Chunk } from '../../lib/core/chunk.js';
import { YqcloudError } from '../../lib/core/error.js';
import type { Message } from '../../lib/core/message.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { createReplyText, createUnkeptReplyText } from '../../lib/provider/replyText.js';
import { collect } from '../support/collect.js';
import { startLoopbackServer, writePieces, type LoopbackServer } from '../support/loopbackServer.js';

const hello: ReadonlyArray<Message> = [{ role: 'user', content: 'Hello' }];
const joined = (chunks: ReadonlyArray<Chunk>): string =>
  chunks.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('');

describe('provider: the keepText request option', () => {
  const servers: Array<LoopbackServer> = [];
  const providers: Array<YqcloudProvider> = [];
  const providerFor = async (handler: Parameters<typeof startLoopbackServer>[0]): Promise<YqcloudProvider> => {
    const server = await startLoopbackServer(handler);
    servers.push(server);
    const provider = new YqcloudProvider({ apiEndpoint: server.endpoint, now: () => 1700000000000 });
    providers.push(provider);
    return provider;
  };

  afterEach(async () => {
    for (const provider of providers.splice(0)) provider.destroy();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('keepText: false delivers the same text chunks, split characters whole', async () => {
    const pieces = [Buffer.from('你好'), Buffer.from('，世界').subarray(0, 4), Buffer.from('，世界').subarray(4)];
    const provider = await providerFor((_req, res) => writePieces(res, pieces));
    const kept = await lastValueFrom(provider.create({ messages: hello }).pipe(toArray()));
    const unkept = await lastValueFrom(provider.create({ messages: hello, keepText: false }).pipe(toArray()));
    expect(joined(unkept)).to.equal('你好，世界');
    expect(unkept).to.deep.equal(kept);
  });

  it('a reset mid-stream with keepText: false is a Network error whose partialText is empty', async () => {
    const provider = await providerFor(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      await new Promise<void>((resolve) => res.write('Hello, wo', () => resolve()));
      res.socket?.destroy();
    });
    const { values, error } = await collect(provider.create({ messages: hello, keepText: false }));
    expect(joined(values)).to.equal('Hello, wo');
    expect(error).to.be.instanceOf(YqcloudError).and.to.include({ kind: 'Network', partialText: '' });
  });

  it('an empty 200 is still EmptyResponse with keepText: false', async () => {
    const provider = await providerFor((_req, res) => res.end());
    const { error } = await collect(provider.create({ messages: hello, keepText: false }));
    expect(error).to.include({ kind: 'EmptyResponse', status: 200 });
  });

  it('keepText: false with returnConversation is InvalidRequest, and nothing is sent', async () => {
    let requests = 0;
    const provider = await providerFor((_req, res) => {
      requests++;
      res.end('Hi');
    });
    const { error } = await collect(provider.create({ messages: hello, keepText: false, returnConversation: true }));
    expect(error).to.include({ kind: 'InvalidRequest', path: 'keepText' });
    expect(requests).to.equal(0);
  });

  it('keepText must be a boolean', async () => {
    const provider = await providerFor((_req, res) => res.end('Hi'));
    const { error } = await collect(provider.create({ messages: hello, keepText: 'no' as unknown as boolean }));
    expect(error).to.include({ kind: 'InvalidRequest', path: 'keepText' });
  });

  it('an unkept reply text counts what was delivered and keeps none of it', () => {
    const unkept = createUnkeptReplyText();
    const kept = createReplyText();
    const bytes = new TextEncoder().encode('€uro');
    for (const reply of [unkept, kept]) {
      reply.delivered(reply.decode(bytes.subarray(0, 2)));
      expect(reply.nothingDelivered()).to.be.true;
      reply.delivered(reply.decode(bytes.subarray(2)));
      expect(reply.nothingDelivered()).to.be.false;
    }
    expect(kept.deliveredText()).to.equal('€uro');
    expect(unkept.deliveredText()).to.equal('');
  });
});
