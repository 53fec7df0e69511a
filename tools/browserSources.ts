/**
 * An esbuild plugin for bundling the library's *sources* (`lib/`) for browsers, as the specs and
 * the demo do: `#defaultTransport` becomes `lib/http/defaultTransport.browser.ts`, which is what
 * the package's `imports` map does with the `browser` condition for the built files in `dist/`
 * (the package ships no `lib/`, so its map names only `dist/`).
 *
 * @example
 * ```ts
 * await esbuild.build({ entryPoints: ['page.ts'], bundle: true, platform: 'browser', plugins: [browserSources] });
 * ```
 */
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

const lib = fileURLToPath(new URL('../lib/', import.meta.url));
const browserTransport = fileURLToPath(new URL('../lib/http/defaultTransport.browser.ts', import.meta.url));

/** Resolves `#defaultTransport` imported from `lib/` to the browser transport's source. */
export const browserSources: Plugin = {
  name: 'yqcloud-rx-browser-sources',
  setup(build) {
    build.onResolve({ filter: /^#defaultTransport$/ }, (args) =>
      args.importer.startsWith(lib) ? { path: browserTransport } : undefined,
    );
  },
};
