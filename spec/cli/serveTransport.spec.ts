/**
 * `yqcloud-rx serve` sends upstream with `nodeTransport()`: a relayed reply and an OpenAI-route
 * reply through the built binary, in a child process whose module resolutions are logged, load
 * neither axios nor the proxy agents.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { eventually } from '../support/eventually.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const token = 'sk-serve-transport-spec';

/** Logs every module URL the child resolves, on stderr, from the loader's thread. */
const hook = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  process._rawDebug('resolved ' + resolved.url);
  return resolved;
}`;
const registerHook = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`,
)}`;

describe('yqcloud-rx serve: the upstream transport', function () {
  this.timeout(30_000);

  it('replies on both routes without loading axios or the proxy agents', async () => {
    let stdout = '';
    let stderr = '';
    const child = spawn(process.execPath, ['--import', registerHook, bin, 'serve', '--emulator', '--port', '0'], {
      env: { ...process.env, YQCLOUD_RX_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8').on('data', (piece: string) => {
      stdout += piece;
    });
    child.stderr.setEncoding('utf8').on('data', (piece: string) => {
      stderr += piece;
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await eventually(() => /listening on (\S+)/.test(stdout), 15_000, 'the URL');
      const origin = /listening on (\S+)/.exec(stdout)?.[1] ?? '';
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const messages = [{ role: 'user', content: 'Hi' }];
      const relayed = await fetch(`${origin}/relay`, {
        method: 'POST',
        headers: { ...headers, accept: 'text/event-stream' },
        body: JSON.stringify({ messages }),
      });
      expect(await relayed.text())
        .to.include('event: text')
        .and.include('event: finish');
      const completed = await fetch(`${origin}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'gpt-4', messages }),
      });
      expect(completed.status).to.equal(200);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
    expect(stderr, 'the hook logs the resolutions').to.include(
      `resolved file://${root}node_modules/eventsource-parser/`,
    );
    for (const name of ['axios', 'http-proxy-agent', 'https-proxy-agent', 'socks-proxy-agent'])
      expect(stderr, name).to.not.include(`resolved file://${root}node_modules/${name}/`);
  });
});
