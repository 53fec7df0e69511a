/**
 * An esbuild plugin for bundling the library's *sources* (`lib/`) for browsers, as the specs and
 * the demo do: each of the package's own `#…` imports with a `browser` condition
 * (`#defaultTransport`, `#replyChannels`, …) becomes the source of its browser build
 * (`lib/http/defaultTransport.browser.ts`), which is what the `imports` map does for the built
 * files in `dist/` (the package ships no `lib/`, so its map names only `dist/`).
 *
 * @example
 * ```ts
 * await esbuild.build({ entryPoints: ['page.ts'], bundle: true, platform: 'browser', plugins: [browserSources] });
 * ```
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

const lib = fileURLToPath(new URL('../lib/', import.meta.url));

const { imports } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  readonly imports: Readonly<Record<string, { readonly browser?: unknown }>>;
};

/** `#name` → the source of its browser build (`./dist/x/y.browser.js` → `lib/x/y.browser.ts`). */
const browserTwins = new Map(
  Object.entries(imports).flatMap(([name, target]) =>
    !name.includes('*') && typeof target.browser === 'string'
      ? [
          [
            name,
            fileURLToPath(
              new URL(`../${target.browser.replace(/^\.\/dist\//, 'lib/').replace(/\.js$/, '.ts')}`, import.meta.url),
            ),
          ] as const,
        ]
      : [],
  ),
);

/** Resolves the package's `#…` twins imported from `lib/` to their browser sources. */
export const browserSources: Plugin = {
  name: 'yqcloud-rx-browser-sources',
  setup(build) {
    build.onResolve({ filter: /^#/ }, (args) => {
      const twin = browserTwins.get(args.path);
      return twin !== undefined && args.importer.startsWith(lib) ? { path: twin } : undefined;
    });
  },
};
