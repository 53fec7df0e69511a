import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { YqcloudError } from '../../lib/core/error.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { collect } from '../support/collect.js';
import { startLoopbackServer, type LoopbackServer } from '../support/loopbackServer.js';

const messages = [{ role: 'user' as const, content: 'Hi' }];

/** A one-answer HTTP server on raw sockets that prints its port. */
const rawServer = `
const server = require('node:net').createServer((socket) => {
  socket.once('data', () => socket.end('HTTP/1.1 200 OK\\r\\ncontent-length: 5\\r\\nconnection: close\\r\\n\\r\\nHello'));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port)));
`;

/** Runs `body` with `Object.prototype[name]` set to `value`, then removes it. */
const polluted = async <A>(name: string, value: unknown, body: () => Promise<A>): Promise<A> => {
  Object.defineProperty(Object.prototype, name, { value, configurable: true, writable: true, enumerable: false });
  try {
    return await body();
  } finally {
    delete (Object.prototype as Record<string, unknown>)[name];
  }
};

// Issue 21 item 14: a polluted Object.prototype must not change what the provider sends, and
// must not abort requests silently or throw out of the process.
describe('hardening: Object.prototype gadgets and the objects handed to node:http', () => {
  let server: LoopbackServer;
  let provider: YqcloudProvider;
  const uncaught: Array<unknown> = [];
  const onUncaught = (e: unknown): void => {
    uncaught.push(e);
  };

  before(async () => {
    server = await startLoopbackServer((_req, res) => res.end('Hello'));
    provider = new YqcloudProvider({ apiEndpoint: server.endpoint, firstChunkTimeoutMs: 5_000 });
    await collect(provider.create({ messages })); // axios loaded before any pollution
    process.on('uncaughtException', onUncaught);
  });
  after(async () => {
    process.off('uncaughtException', onUncaught);
    provider?.destroy();
    await server?.close();
  });

  const gadgets: ReadonlyArray<readonly [string, unknown]> = [
    ['auth', 'mallory:pw'],
    ['setHost', false],
    ['timeout', 1],
    ['headers', { 'x-injected': '1' }],
    ['localAddress', '10.255.255.1'],
    ['family', 6],
    ['insecureHTTPParser', true],
    ['joinDuplicateHeaders', true],
    ['maxHeaderSize', 1],
    ['defaultPort', 1],
  ];

  for (const [name, value] of gadgets)
    it(`Object.prototype.${name} changes nothing the request sends`, async () => {
      const sent = server.requests.length;
      const { error, values } = await polluted(name, value, () => collect(provider.create({ messages })));
      expect(error, String(error)).to.equal(undefined);
      expect(values[0]).to.deep.equal({ type: 'text', text: 'Hello' });
      const seen = server.requests[sent];
      expect(seen?.headers).to.include({ host: `127.0.0.1:${server.port}` });
      expect(seen?.headers).to.not.have.property('authorization');
      expect(seen?.headers).to.not.have.property('x-injected');
      expect(uncaught).to.deep.equal([]);
    });

  it('Object.prototype.signal: the request is not aborted by it; the response Node aborts fails at once, typed, never uncaught', async () => {
    // A server in another process: this one's own sockets and requests read the pollution too.
    const child = spawn(process.execPath, ['-e', rawServer], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve) =>
      child.stdout.once('data', (d: Buffer) => resolve(Number(String(d)))),
    );
    const direct = new YqcloudProvider({
      apiEndpoint: `http://127.0.0.1:${port}/api/generateStream`,
      firstChunkTimeoutMs: 5_000,
    });
    const started = Date.now();
    const { error } = await polluted('signal', AbortSignal.abort(), () => collect(direct.create({ messages })));
    direct.destroy();
    child.kill();
    // The objects we hand to node:http carry their own `signal`, but Node's IncomingMessage (the
    // server's and the client's) reads its stream options through the prototype and aborts
    // itself: that must end the reply with a Network error at once, not a wait or a crash.
    expect(error).to.be.instanceOf(YqcloudError).and.include({ kind: 'Network' });
    expect(Date.now() - started).to.be.below(4_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(uncaught).to.deep.equal([]);
  });
});
