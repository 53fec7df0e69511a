import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Logs every module URL the child resolves, on stderr, from the loader's thread. */
const hook = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  process._rawDebug('resolved ' + resolved.url);
  return resolved;
}`;

/** Imports the library, then sends one request without a proxy, marking each step on stderr. */
const child = `
import { register } from 'node:module';
import * as http from 'node:http';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
const { YqcloudProvider } = await import(${JSON.stringify(`${root}lib/index.ts`)});
const { lastValueFrom } = await import('rxjs');
process._rawDebug('mark imported');
const server = http.createServer((_req, res) => res.end('Hi'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const provider = new YqcloudProvider({ apiEndpoint: 'http://127.0.0.1:' + server.address().port + '/api/generateStream' });
await lastValueFrom(provider.create({ messages: [{ role: 'user', content: 'Hello' }] }));
provider.destroy();
server.close();
process._rawDebug('mark requested');
`;

describe('http: modules loaded only when used', () => {
  it('importing the library loads neither axios nor the proxy agents; a request without a proxy loads axios only', async () => {
    const { stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], {
      cwd: root,
      timeout: 60_000,
    });
    const lines = stderr.split('\n');
    const imported = lines.indexOf('mark imported');
    const requested = lines.indexOf('mark requested');
    expect(imported).to.be.above(0);
    expect(requested).to.be.above(imported);
    // The package's own copy (axios 1.21 has a https-proxy-agent of its own, which it loads).
    const loaded = (from: number, to: number, name: string): boolean =>
      lines.slice(from, to).some((line) => line.startsWith(`resolved file://${root}node_modules/${name}/`));
    expect(loaded(0, imported, 'rxjs'), 'the hook sees the library’s imports').to.be.true;
    expect(loaded(0, imported, 'axios'), 'axios on import').to.be.false;
    expect(loaded(imported, requested, 'axios'), 'axios on the first request').to.be.true;
    for (const agent of ['http-proxy-agent', 'https-proxy-agent', 'socks-proxy-agent'])
      expect(loaded(0, requested, agent), agent).to.be.false;
  });
});
