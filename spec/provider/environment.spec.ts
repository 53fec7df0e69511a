import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { lastValueFrom, toArray } from 'rxjs';
import { startEmulator, type Emulator } from '../../lib/emulator/index.js';
import type { LogDetails } from '../../lib/http/loggingTransport.js';
import { yqcloudApiEndpoint } from '../../lib/provider/options.js';
import { Yqcloud, YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { collect } from '../support/collect.js';
import { eventually } from '../support/eventually.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const hello = [{ role: 'user' as const, content: 'Hello there' }];

/** Runs `body` with the environment variable set (or removed), then restores it. */
const withVariable = async <A>(name: string, value: string | undefined, body: () => Promise<A> | A): Promise<A> => {
  const saved = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
};

describe('provider environment: YQCLOUD_API_ENDPOINT and YQCLOUD_RX_LOG', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({ delayMs: 0 });
  });

  after(async () => {
    await emulator?.close();
  });

  describe('YQCLOUD_API_ENDPOINT', () => {
    it('is the default endpoint of a provider given none: the reply comes from there', async () => {
      const provider = new YqcloudProvider();
      await withVariable('YQCLOUD_API_ENDPOINT', emulator.apiEndpoint, async () => {
        expect(provider.apiEndpoint).to.equal(emulator.apiEndpoint);
        const chunks = await lastValueFrom(provider.create({ messages: hello }).pipe(toArray()));
        expect(chunks.at(-1)).to.deep.equal({ type: 'finish', reason: 'stop' });
        expect(emulator.requests.at(-1)?.payload).to.have.property('prompt', 'Hello there');
      });
      provider.destroy();
    });

    it('is read when a request is made: the default Yqcloud, made at import, honours a value set afterwards', async () => {
      const before = emulator.requests.length;
      await withVariable('YQCLOUD_API_ENDPOINT', emulator.apiEndpoint, async () => {
        expect(Yqcloud.apiEndpoint).to.equal(emulator.apiEndpoint);
        const { error, values } = await collect(Yqcloud.create({ messages: hello }));
        expect(error).to.equal(undefined);
        expect(values.at(-1)).to.deep.equal({ type: 'finish', reason: 'stop' });
      });
      expect(emulator.requests).to.have.length(before + 1);
      expect(Yqcloud.apiEndpoint).to.equal(yqcloudApiEndpoint);
      Yqcloud.destroy();
    });

    it('gives way to an apiEndpoint option, and unset or empty means the real service', async () => {
      const given = 'http://127.0.0.1:9/api/generateStream';
      await withVariable('YQCLOUD_API_ENDPOINT', emulator.apiEndpoint, () => {
        expect(new YqcloudProvider({ apiEndpoint: given }).apiEndpoint).to.equal(given);
      });
      for (const value of [undefined, ''])
        await withVariable('YQCLOUD_API_ENDPOINT', value, () => {
          expect(new YqcloudProvider().apiEndpoint).to.equal(yqcloudApiEndpoint);
        });
    });

    it('a value that is not an http(s) URL is an InvalidRequest naming the variable, and nothing is sent', async () => {
      const before = emulator.requests.length;
      const provider = new YqcloudProvider();
      const result = await withVariable('YQCLOUD_API_ENDPOINT', 'ftp://user:secret@host/x', () =>
        collect(provider.create({ messages: hello })),
      );
      expect(result.error).to.include({ kind: 'InvalidRequest' });
      expect(result.error).to.have.property('message').that.includes('YQCLOUD_API_ENDPOINT').and.not.include('secret');
      expect(emulator.requests).to.have.length(before);
    });
  });

  describe('logger option', () => {
    it('logs method, URL without credentials or query, status and timings; never a body or a secret', async () => {
      const lines: Array<{ message: string; details: LogDetails }> = [];
      const endpoint = new URL(emulator.apiEndpoint);
      endpoint.username = 'bob';
      endpoint.password = 's3cret';
      endpoint.search = '?token=t0ken';
      const provider = new YqcloudProvider({
        apiEndpoint: endpoint.href,
        headers: { authorization: 'Bearer hdr-s3cret' },
        logger: { debug: (message, details) => lines.push({ message, details }) },
      });
      const chunks = await lastValueFrom(provider.create({ messages: hello }).pipe(toArray()));
      provider.destroy();
      const reply = chunks.flatMap((chunk) => (chunk.type === 'text' ? [chunk.text] : [])).join('');
      const plainEndpoint = `${new URL(emulator.apiEndpoint).origin}/api/generateStream?…`;
      expect(lines.map((line) => line.message)).to.have.length(3);
      expect(lines[0]?.message).to.equal(`yqcloud-rx: POST ${plainEndpoint} sent`);
      expect(lines[1]?.details).to.include({ method: 'POST', url: plainEndpoint, status: 200 });
      expect(lines[1]?.details.ms).to.be.a('number');
      expect(lines[2]?.message).to.match(/ done in \d+ ms, \d+ bytes$/);
      expect(lines[2]?.details.bytes).to.be.greaterThan(0);
      const everything = JSON.stringify(lines);
      for (const secret of ['bob', 's3cret', 't0ken', 'hdr-s3cret', 'Hello there', reply.slice(0, 12)])
        expect(everything).to.not.include(secret);
    });

    it('logs a failure by kind and code, and a cancellation', async () => {
      const lines: Array<string> = [];
      const provider = new YqcloudProvider({
        apiEndpoint: emulator.apiEndpoint,
        logger: { debug: (message) => lines.push(message) },
      });
      emulator.injectFault({ kind: 'status', status: 503 });
      await collect(provider.create({ messages: hello }));
      expect(lines.at(-1)).to.match(/ done in \d+ ms/);
      expect(lines.some((line) => / 503 after \d+ ms$/.test(line))).to.equal(true);
      emulator.injectFault({ kind: 'reset', afterChars: 5 });
      const reset = await collect(provider.create({ messages: hello }));
      expect(reset.error).to.include({ kind: 'Network' });
      expect(lines.at(-1)).to.match(/ failed after \d+ ms: YqcloudError Network [A-Z]+$/);
      emulator.injectFault({ kind: 'hang', phase: 'before-body' });
      const sent = emulator.requests.length;
      const subscription = provider.create({ messages: hello }).subscribe();
      // the request reached the emulator and its answer's head is in: cancelling now is mid-reply
      await eventually(() => emulator.requests.length > sent && / 200 after \d+ ms$/.test(lines.at(-1) ?? ''), 5_000);
      subscription.unsubscribe();
      expect(lines.at(-1)).to.match(/ cancelled after \d+ ms$/);
      provider.destroy();
    });
  });

  it('YQCLOUD_RX_LOG=debug logs to stderr, and stdout stays the program’s', async () => {
    const script = [
      "import { YqcloudProvider, textOnly } from './lib/index.js';",
      "import { lastValueFrom, toArray } from 'rxjs';",
      'const provider = new YqcloudProvider();',
      "const text = await lastValueFrom(provider.create({ messages: [{ role: 'user', content: 'Hi' }] }).pipe(textOnly(), toArray()));",
      "process.stdout.write(text.join(''));",
      'provider.destroy();',
    ].join('\n');
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, YQCLOUD_API_ENDPOINT: emulator.apiEndpoint, YQCLOUD_RX_LOG: 'debug' },
      timeout: 20_000,
    });
    expect(stdout).to.not.include('yqcloud-rx:').and.not.equal('');
    expect(stderr.trim().split('\n')).to.satisfy((lines: ReadonlyArray<string>) =>
      lines.some((line) => line.startsWith(`yqcloud-rx: POST ${emulator.apiEndpoint} `)),
    );
    expect(stderr).to.match(/ 200 after \d+ ms/);
  });

  it('YQCLOUD_RX_LOG with another value than debug or off says so once, naming the values; off is silent', async () => {
    const script = [
      "import { YqcloudProvider } from './lib/index.js';",
      "import { lastValueFrom } from 'rxjs';",
      'for (let i = 0; i < 2; i++) {',
      '  const provider = new YqcloudProvider();',
      "  await lastValueFrom(provider.create({ messages: [{ role: 'user', content: 'Hi' }] }));",
      '  provider.destroy();',
      '}',
    ].join('\n');
    const stderrWith = async (level: string): Promise<string> =>
      (
        await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          cwd: root,
          env: { ...process.env, YQCLOUD_API_ENDPOINT: emulator.apiEndpoint, YQCLOUD_RX_LOG: level },
          timeout: 20_000,
        })
      ).stderr;
    expect(await stderrWith('verbose')).to.equal(
      'yqcloud-rx: YQCLOUD_RX_LOG="verbose" is not a log level, so nothing is logged; its values are debug and off\n',
    );
    expect(await stderrWith('OFF')).to.equal('');
  });
});
