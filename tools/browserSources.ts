/**
 * An esbuild plugin for bundling the library's *sources* (`lib/`) for browsers, as the specs and
 * the demo do: `lib/http/defaultTransport.ts` becomes `defaultTransport.browser.ts` (and
 * `lib/http/nodeTransport.ts` and `lib/operators/replyChannels.ts` their `.browser.ts` twins), which is what
 * the package's `browser` field does for the built files in `dist/` (the package ships no `lib/`,
 * so its `browser` field maps only `dist/`).
 *
 * @example
 * ```ts
 * await esbuild.build({ entryPoints: ['page.ts'], bundle: true, platform: 'browser', plugins: [browserSources] });
 * ```
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

const lib = fileURLToPath(new URL('../lib/', import.meta.url));

/** Resolves `./defaultTransport.js`, `./nodeTransport.js` and `./replyChannels.js` imported from `lib/` to their browser twins. */
export const browserSources: Plugin = {
  name: 'yqcloud-rx-browser-sources',
  setup(build) {
    build.onResolve({ filter: /\/(defaultTransport|nodeTransport|replyChannels)\.js$/ }, (args) => {
      if (!args.importer.startsWith(lib)) return undefined;
      const twin = join(dirname(args.importer), args.path.replace(/\.js$/, '.browser.ts'));
      return existsSync(twin) ? { path: twin } : undefined;
    });
  },
};
