import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import * as Rx from 'rxjs';
import { eachValueFrom } from 'rxjs-for-await';
import * as bundlersRx from '../lib/rx.browser.js';
import * as nodeRx from '../lib/rx.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../', import.meta.url));

/**
 * An application of its own in a plain `node` (no loader): RxJS from `rxjs`, the library as
 * built; prints what it found as JSON.
 */
const application = `
import { Observable, from, isObservable, lastValueFrom, map, of, toArray } from 'rxjs';
import { YqcloudProvider, isText, text, textOnly, withTimeouts } from 'yqcloud-rx';
const provider = new YqcloudProvider({ apiEndpoint: 'http://127.0.0.1:9/api/generateStream' });
const reply = provider.create({ messages: [{ role: 'user', content: 'Hello' }] });
const ours = of(text('Hel'), text('lo. '), text('World.')).pipe(withTimeouts({ idleMs: 1000 }));
const found = {
  replyIsInstance: reply instanceof Observable,
  replyIsObservable: isObservable(reply),
  fromKeepsReply: from(reply) === reply,
  operatorResultIsInstance: ours instanceof Observable,
  composed: await lastValueFrom(ours.pipe(textOnly(), map((s) => s.toUpperCase()), toArray())),
  fromOurs: await lastValueFrom(from(ours).pipe(map((chunk) => isText(chunk)), toArray())),
};
provider.destroy();
process.stdout.write(JSON.stringify(found));
`;

describe('lib/rx: RxJS values from their own modules, one instance with the rxjs index', () => {
  it('gives, for each name, the very value `rxjs` (or `rxjs-for-await`) exports; the bundlers’ module has the same names', () => {
    const names = Object.keys(nodeRx).sort();
    expect(names).to.deep.equal(Object.keys(bundlersRx).sort());
    expect(names).to.include.members(['Observable', 'Subscriber', 'asyncScheduler', 'EMPTY', 'map']);
    const index = new Map<string, unknown>([...Object.entries(Rx), ['eachValueFrom', eachValueFrom]]);
    for (const [name, value] of Object.entries(nodeRx)) expect(value, name).to.equal(index.get(name));
  });

  it("in a plain node, an Observable the built library returns is an instance of the application's, and each side's operators and from() take the other's", async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', application], {
      cwd: root,
      timeout: 60_000,
    });
    expect(JSON.parse(stdout)).to.deep.equal({
      replyIsInstance: true,
      replyIsObservable: true,
      fromKeepsReply: true,
      operatorResultIsInstance: true,
      composed: ['HEL', 'LO. ', 'WORLD.'],
      fromOurs: [true, true, true],
    });
  });
});
