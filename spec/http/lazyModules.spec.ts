import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { childLines, resolveLogHook } from '../support/moduleLog.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Imports the library, then sends one request without a proxy (through `nodeTransport()` when
 * `transport` is `node`), marking each step on stderr.
 */
const child = (transport: 'default' | 'node') => `
import { register } from 'node:module';
import * as http from 'node:http';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(resolveLogHook())}));
const { YqcloudProvider, nodeTransport } = await import(${JSON.stringify(`${root}lib/index.ts`)});
const { lastValueFrom } = await import('rxjs');
process._rawDebug('mark imported');
const server = http.createServer((_req, res) => res.end('Hi'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const transport = ${transport === 'node' ? 'nodeTransport()' : 'undefined'};
const provider = new YqcloudProvider({ apiEndpoint: 'http://127.0.0.1:' + server.address().port + '/api/generateStream', transport });
await lastValueFrom(provider.create({ messages: [{ role: 'user', content: 'Hello' }] }));
provider.destroy();
transport?.destroy();
server.close();
process._rawDebug('mark requested');
`;

/** The package directories a child resolved before and after its first request. */
const resolvedBy = async (transport: 'default' | 'node') => {
  const lines = await childLines(child(transport));
  const imported = lines.indexOf('mark imported');
  const requested = lines.indexOf('mark requested');
  expect(imported).to.be.above(0);
  expect(requested).to.be.above(imported);
  // The package's own copy (axios 1.21 has a https-proxy-agent of its own, which it loads).
  return (from: 'import' | 'request', name: string): boolean =>
    lines
      .slice(from === 'import' ? 0 : imported, from === 'import' ? imported : requested)
      .some((line) => line.startsWith(`resolved file://${root}node_modules/${name}/`));
};

describe('http: modules loaded only when used', () => {
  it('importing the library loads neither axios nor the proxy agents; a request without a proxy loads axios only', async () => {
    const loaded = await resolvedBy('default');
    expect(loaded('import', 'eventsource-parser'), 'the hook sees the library’s imports').to.be.true;
    expect(loaded('import', 'axios'), 'axios on import').to.be.false;
    expect(loaded('request', 'axios'), 'axios on the first request').to.be.true;
    for (const agent of ['http-proxy-agent', 'https-proxy-agent', 'socks-proxy-agent'])
      expect(loaded('import', agent) || loaded('request', agent), agent).to.be.false;
  });

  it('a request through nodeTransport() loads neither axios nor the proxy agents', async () => {
    const loaded = await resolvedBy('node');
    expect(loaded('import', 'eventsource-parser'), 'the hook sees the library’s imports').to.be.true;
    for (const name of ['axios', 'http-proxy-agent', 'https-proxy-agent', 'socks-proxy-agent'])
      expect(loaded('import', name) || loaded('request', name), name).to.be.false;
  });
});

/** Imports the built library in a plain `node` (no loader of its own), then lists what it loaded. */
const builtChild = `
let segmenters = 0;
const Segmenter = Intl.Segmenter;
Intl.Segmenter = class extends Segmenter { constructor(...args) { super(...args); segmenters++; } };
const before = new Set(process.moduleLoadList);
await import(${JSON.stringify(`${root}dist/index.js`)});
const loaded = process.moduleLoadList.filter((m) => !before.has(m)).map((m) => m.replace('NativeModule ', ''));
process.stdout.write(JSON.stringify({ loaded, segmenters }));
`;

describe('http: built-in modules and ICU data loaded only when used', () => {
  it('importing the library loads neither node:https, node:tls, node:zlib nor node:crypto, and makes no segmenter', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', builtChild], {
      cwd: root,
      timeout: 60_000,
    });
    const { loaded, segmenters } = JSON.parse(stdout) as { loaded: ReadonlyArray<string>; segmenters: number };
    expect(loaded, 'the library loads node:http').to.include('http');
    for (const module of ['https', 'tls', 'zlib', 'crypto']) expect(loaded, module).not.to.include(module);
    expect(segmenters, 'Intl.Segmenter instances').to.equal(0);
  });
});
