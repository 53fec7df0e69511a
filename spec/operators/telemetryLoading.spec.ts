import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Logs every module URL the child resolves, and fails `@opentelemetry/*` as if it were not installed. */
const hook = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/')) {
    process._rawDebug('refused ' + specifier);
    throw Object.assign(new Error('not installed: ' + specifier), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  const resolved = await next(specifier, context);
  process._rawDebug('resolved ' + resolved.url);
  return resolved;
}`;

/** Imports the library, then runs a reply through the operator and the provider option, neither given a tracer. */
const child = `
import { register } from 'node:module';
import * as http from 'node:http';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
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
    const { stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], {
      cwd: root,
      timeout: 60_000,
    });
    const lines = stderr.split('\n');
    expect(lines, 'the reply ran').to.include('mark replied');
    expect(
      lines.some((line) => line.startsWith(`resolved file://${root}node_modules/rxjs/`)),
      'the hook sees the library’s imports',
    ).to.be.true;
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
