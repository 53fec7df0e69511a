import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { childLines, resolveLogHook, root } from '../support/moduleLog.js';

/** Imports the library, then runs a reply through the operator and the provider option, neither given a tracer. */
const child = `
import { register } from 'node:module';
import * as http from 'node:http';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(resolveLogHook(/^@opentelemetry\//))}));
const { YqcloudProvider, withTelemetry } = await import(${JSON.stringify(`${root}lib/index.ts`)});
const { lastValueFrom } = await import('rxjs');
const server = http.createServer((_req, res) => res.end('Hi'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const provider = new YqcloudProvider({
  apiEndpoint: 'http://127.0.0.1:' + server.address().port + '/api/generateStream',
  telemetry: { recordContent: true },
});
const request = { messages: [{ role: 'user', content: 'Hello' }] };
await lastValueFrom(provider.create(request).pipe(withTelemetry({ request })));
provider.destroy();
server.close();
process._rawDebug('mark replied');
`;

/** Imports the server entry, then answers one relay request from a local stand-in for the service. */
const serverChild = `
import { register } from 'node:module';
import * as http from 'node:http';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(resolveLogHook(/^@opentelemetry\//))}));
const { YqcloudProvider } = await import(${JSON.stringify(`${root}lib/index.ts`)});
const { createRelayHandler, bearerToken } = await import(${JSON.stringify(`${root}lib/server/index.ts`)});
const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
const service = http.createServer((_req, res) => res.end('Hi'));
const servicePort = await listen(service);
const provider = new YqcloudProvider({ apiEndpoint: 'http://127.0.0.1:' + servicePort + '/api/generateStream' });
const relay = http.createServer(createRelayHandler({ provider, authorize: bearerToken('t') }));
const relayPort = await listen(relay);
const response = await fetch('http://127.0.0.1:' + relayPort + '/relay', {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer t' },
  body: JSON.stringify({ messages: [{ role: 'user', content: 'Hello' }] }),
});
const text = await response.text();
provider.destroy();
relay.closeAllConnections();
relay.close();
service.close();
if (text.includes('event: finish')) process._rawDebug('mark relayed');
`;

const declarations = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? declarations(join(dir, entry.name))
      : entry.name.endsWith('.d.ts')
        ? [join(dir, entry.name)]
        : [],
  );

describe('operators: telemetry loads nothing of OpenTelemetry', () => {
  it('the library imports, and a reply runs through withTelemetry and the telemetry option, with @opentelemetry/* not installed', async () => {
    const lines = await childLines(child);
    expect(lines, 'the reply ran').to.include('mark replied');
    expect(
      lines.some((line) => line.startsWith(`resolved file://${root}node_modules/rxjs/`)),
      'the hook sees the library’s imports',
    ).to.be.true;
    expect(lines.filter((line) => /opentelemetry/.test(line))).to.deep.equal([]);
  });

  it('yqcloud-rx/server answers a relay request, with @opentelemetry/* not installed and no tracer', async () => {
    const lines = await childLines(serverChild);
    expect(lines, 'the relay answered').to.include('mark relayed');
    expect(lines.filter((line) => /opentelemetry/.test(line))).to.deep.equal([]);
  });

  it('the built type declarations import nothing of @opentelemetry (a compiler without it reads them)', () => {
    const files = declarations(join(root, 'dist'));
    expect(files.map((file) => file.slice(root.length))).to.include('dist/operators/withTelemetry.d.ts');
    const importing = files.filter((file) =>
      /(?:from|import\()\s*['"]@opentelemetry\//.test(readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '')),
    );
    expect(importing.map((file) => file.slice(root.length))).to.deep.equal([]);
  });
});
