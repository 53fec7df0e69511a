/**
 * The published package in a user's browser bundle: `import … from 'yqcloud-rx'` resolved through
 * node_modules, `exports` and the `browser` field, as esbuild does for an app. Needs `dist/`
 * (`npm test` builds first).
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from './support.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('yqcloud-rx from node_modules in a browser bundle (esbuild, platform browser)', function () {
  this.timeout(30_000);
  let app: string;

  before(() => {
    expect(join(root, 'dist/index.js'), 'dist/ is missing: run `npm run build`').to.satisfy(existsSync);
    app = mkdtempSync(join(tmpdir(), 'yqcloud-rx-app-'));
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(root, join(app, 'node_modules/yqcloud-rx'), 'dir');
    writeFileSync(
      join(app, 'main.js'),
      [
        "import { YqcloudProvider, createChatSession, bufferText } from 'yqcloud-rx';",
        "import { createTestProvider } from 'yqcloud-rx/testing';",
        "export const chat = createChatSession(new YqcloudProvider({ apiEndpoint: 'http://127.0.0.1:8080/api/generateStream' }), { pipe: bufferText() });",
        'export { createTestProvider };',
      ].join('\n'),
    );
  });

  after(() => {
    if (app !== undefined) rmSync(app, { recursive: true, force: true });
  });

  it('bundles the fetch transport from dist/ and no Node-only module', async () => {
    const { code, inputs } = await bundleForBrowser(join(app, 'main.js'));
    expect(inputs).to.satisfy((all: ReadonlyArray<string>) =>
      all.some((input) => input.endsWith('dist/http/defaultTransport.browser.js')),
    );
    expect(
      inputs.filter((input) =>
        /dist\/http\/(agents|axiosTransport|defaultTransport)\.js$|proxy-agent|^node:/.test(input),
      ),
    ).to.deep.equal([]);
    expect(code).to.not.match(/["']node:[a-z]/);
  });
});
