/**
 * `yqcloud-rx chat` loads what one reply needs and nothing else: through the built binary, in a
 * child process whose module resolutions are logged, a reply from a loopback server loads
 * neither axios (it sends with `nodeTransport()`), the proxy agents, the server of `serve`, the
 * emulator, nor the conversation file's writer.
 */
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { resolveLogHook } from '../support/moduleLog.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'dist/cli/main.js');

const registerHook = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(resolveLogHook())}`)});`,
)}`;

/** Module URLs, under the repository, that a `chat` with the service must not load. */
const unwanted = [
  'node_modules/axios/',
  'node_modules/http-proxy-agent/',
  'node_modules/https-proxy-agent/',
  'node_modules/socks-proxy-agent/',
  'node_modules/write-file-atomic/',
  'node_modules/prom-client/',
  'node_modules/gpt-tokenizer/',
  'dist/server/index.js',
  'dist/server/pipeline/',
  'dist/cli/serve.js',
  'dist/emulator/',
];

describe('yqcloud-rx chat: the modules a reply loads', function () {
  this.timeout(30_000);

  it('streams a reply without loading axios, the proxy agents, the server, the emulator or the file writer', async () => {
    const server = http.createServer((_req, res) => res.end('Hi there'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/generateStream`;
      const { stdout, stderr } = await run(
        process.execPath,
        ['--import', registerHook, bin, 'chat', '--endpoint', endpoint, 'Hello'],
        { cwd: root, timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } },
      );
      expect(stdout).to.include('Hi there');
      expect(stderr, 'the hook logs the resolutions').to.include(`resolved file://${root}node_modules/commander/`);
      const loaded = unwanted.filter((path) => stderr.includes(`resolved file://${root}${path}`));
      expect(loaded).to.deep.equal([]);
    } finally {
      server.close();
    }
  });
});
