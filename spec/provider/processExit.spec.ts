import { spawn } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { createProxy } from 'proxy';
import { startLoopbackServer, within, writePieces, type LoopbackServer } from '../support/loopbackServer.js';

const fixture = fileURLToPath(new URL('../support/fixtures/oneReply.ts', import.meta.url));

/** Runs the fixture; resolves with its exit code and output, or 'deadline' if it is still alive. */
const runChild = (
  args: ReadonlyArray<string>,
  boundMs: number,
): Promise<{ code: number | null; out: string } | 'deadline'> => {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, out })),
  );
  return within(exited, boundMs).then((result) => {
    if (result === 'deadline') child.kill();
    return result;
  });
};

// The server keeps idle connections for 30 s, so a process that waited on its kept-alive
// socket would outlive the 15 s bound (most of which is tsx starting up).
describe('provider: a finished reply does not keep the process alive', () => {
  let server: LoopbackServer;
  beforeEach(async () => {
    server = await startLoopbackServer((_req, res) => writePieces(res, ['Hi', ' there']));
  });
  afterEach(() => server.close());

  it('with a direct kept-alive connection', async () => {
    const result = await runChild([server.endpoint], 15_000);
    expect(result).to.deep.equal({ code: 0, out: 'Hi there' });
  });

  it('through a kept-alive proxy connection', async () => {
    const proxy = createProxy(http.createServer());
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    const result = await runChild([server.endpoint, `http://127.0.0.1:${port}`], 15_000);
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    expect(result).to.deep.equal({ code: 0, out: 'Hi there' });
  });
});
