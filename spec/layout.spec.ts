import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

// docs/architecture.md's layers: who may import whom, and lib/core pure (no throw, no I/O).
const lib = fileURLToPath(new URL('../lib/', import.meta.url));

const sources = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );

/** The code without comments (doc examples import 'yqcloud-rx' and must not count). */
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

/** The code without comments and string literals, for looking for statements and globals. */
const statements = (text: string): string =>
  code(text)
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''")
    .replace(/\/\/.*$/gm, '');

const importsOf = (text: string): ReadonlyArray<string> =>
  [...code(text).matchAll(/(?<![/'.])(?:\bfrom\s*|\bimport\s*\(?\s*)'([^']+)'/g)].map((m) => m[1] ?? '');

/** package.json's own `#…` imports (not `#fp-ts/*`) → their Node build in dist/. */
const ownImports: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(
    (
      JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
        readonly imports: Readonly<Record<string, { readonly default?: string }>>;
      }
    ).imports,
  ).flatMap(([name, target]) => (target.default === undefined || name.includes('*') ? [] : [[name, target.default]])),
);

/** The module that gives every other module RxJS's values (`#rx`): Node's build and the bundlers'. */
const rxModules = ['rx.ts', 'rx.browser.ts'];

/** `lib/<area>/…` → area; `lib/index.ts` → 'index'; `lib/rx.ts` → 'rx'. */
const areaOf = (file: string): string => {
  const [first = '', ...rest] = relative(lib, file).split(/[\\/]/);
  return rest.length > 0 ? first : rxModules.includes(first) ? 'rx' : 'index';
};

/** What an import points at: another area of lib (`area:core`), or a package (`pkg:rxjs`). */
const targetOf = (file: string, specifier: string): string => {
  // The package's own `imports` (`#defaultTransport`, …): the area of the module they name.
  const own = ownImports[specifier];
  if (specifier === '#rx') return 'area:rx';
  if (own !== undefined) return `area:${own.replace(/^\.\/dist\//, '').split('/')[0] ?? ''}`;
  if (!specifier.startsWith('.')) {
    const parts = specifier.replace(/^#/, '').split('/');
    return `pkg:${specifier.startsWith('@') ? parts.slice(0, 2).join('/') : specifier.startsWith('node:') ? 'node:' : parts[0]}`;
  }
  const resolved = join(dirname(file), specifier);
  const inLib = relative(lib, resolved);
  if (inLib === 'index.js') return 'area:index';
  if (inLib === 'internal.js') return 'area:internal';
  if (inLib === join('emulator', 'index.js')) return 'area:emulator/index';
  return `area:${inLib.split(/[\\/]/)[0] ?? ''}`;
};

/** The imports of RxJS that bring values: any but `import type { … }` or `import { type …, … }` from `rxjs`. */
const rxValueImports = (text: string): ReadonlyArray<string> =>
  [
    ...code(text).matchAll(
      /\b(?:import|export)\s*(type\s+)?([^;]*?)\s*from\s*'(rxjs(?:\/[^']*)?)'|\bimport\s*\(\s*'(rxjs[^']*)'/g,
    ),
  ]
    .filter(([, typeOnly, names = '', specifier]) => {
      if (specifier === undefined || specifier !== 'rxjs') return true;
      if (typeOnly !== undefined) return false;
      const list = /^\{([\s\S]*)\}$/.exec(names.trim())?.[1];
      return (
        list === undefined || list.split(',').some((name) => name.trim() !== '' && !name.trim().startsWith('type '))
      );
    })
    .map(([statement]) => statement.replace(/\s+/g, ' '));

const allowed: Readonly<Record<string, ReadonlyArray<string>>> = {
  core: ['area:core', 'pkg:fp-ts', 'pkg:io-ts'],
  // RxJS's values, for every area above core (types come from `rxjs` itself).
  rx: ['pkg:rxjs', 'pkg:rxjs-for-await', 'pkg:node:'],
  // http turns failures into core's Network errors and reads core's ProxyConfig: core is below everything.
  http: [
    'area:http',
    'area:rx',
    'area:core',
    'pkg:axios',
    'pkg:rxjs',
    'pkg:fp-ts',
    'pkg:node:',
    'pkg:http-proxy-agent',
    'pkg:https-proxy-agent',
    'pkg:socks-proxy-agent',
  ],
  // The provider applies the telemetry operators' watchers to each reply.
  provider: [
    'area:provider',
    'area:rx',
    'area:operators',
    'area:core',
    'area:http',
    'pkg:fp-ts',
    'pkg:io-ts',
    'pkg:rxjs',
    'pkg:axios',
    'pkg:eventsource-parser',
  ],
  operators: ['area:operators', 'area:rx', 'area:core', 'pkg:fp-ts', 'pkg:rxjs'],
  session: ['area:session', 'area:rx', 'area:core', 'area:operators', 'pkg:fp-ts', 'pkg:rxjs'],
  index: ['area:core', 'area:http', 'area:provider', 'area:operators', 'area:session'],
  // On the entry points only: `../index.js` is `yqcloud-rx`, `../internal.js` is `yqcloud-rx/internal`,
  // `../emulator/index.js` is `yqcloud-rx/emulator`.
  testing: ['area:testing', 'area:rx', 'area:index', 'area:internal', 'pkg:*'],
  emulator: ['area:emulator', 'area:rx', 'area:index', 'area:internal', 'pkg:*'],
  // The relay and the OpenAI-compatible endpoint: above the provider; only cli imports them.
  server: [
    'area:server',
    'area:rx',
    'area:index',
    'area:internal',
    'area:core',
    'area:provider',
    'area:operators',
    'pkg:*',
  ],
  cli: ['area:cli', 'area:rx', 'area:index', 'area:internal', 'area:emulator/index', 'area:server', 'pkg:*'],
};

const permits = (area: string, target: string): boolean => {
  const list = allowed[area] ?? [];
  return (
    list.includes(target) ||
    (target.startsWith('pkg:') && list.includes('pkg:*')) ||
    (target === 'area:emulator/index' && area === 'emulator')
  );
};

describe('lib/ layout (docs/architecture.md)', () => {
  const files = sources(lib);

  it('has sources in every area the rules name', () => {
    for (const area of Object.keys(allowed))
      expect(
        files.map((f) => areaOf(f)),
        area,
      ).to.include(area);
  });

  it('each area imports only what the dependency direction allows; nothing imports cli or emulator internals', () => {
    const violations = files.flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .map((specifier) => [specifier, targetOf(file, specifier)] as const)
        .filter(([, target]) => !permits(areaOf(file), target))
        .map(([specifier]) => `${relative(lib, file)} imports ${specifier}`),
    );
    expect(violations).to.deep.equal([]);
  });

  it('RxJS values come from #rx only: elsewhere `rxjs` gives types, and no module but lib/rx.ts names an `rxjs/…` path', () => {
    const found = files
      .filter((file) => areaOf(file) !== 'rx')
      .flatMap((file) =>
        rxValueImports(readFileSync(file, 'utf8')).map((statement) => `${relative(lib, file)}: ${statement}`),
      );
    expect(found).to.deep.equal([]);
    expect(rxValueImports(readFileSync(join(lib, 'rx.browser.ts'), 'utf8')).join('\n')).to.not.match(/rxjs\//);
  });

  it('fp-ts and io-ts values come through #fp-ts/* and #io-ts/* (required in Node, ES builds in bundles)', () => {
    const found = files.flatMap((file) =>
      [
        ...code(readFileSync(file, 'utf8')).matchAll(
          /\b(?:import|export)\s+(?!type\b)[^;]*?from\s*'((?:fp|io)-ts[^']*)'/g,
        ),
      ].map(([, specifier]) => `${relative(lib, file)}: ${specifier}`),
    );
    expect(found).to.deep.equal([]);
  });

  it('lib/core throws nothing and does no I/O', () => {
    const forbidden =
      /\b(throw|process|console|fetch|require|setTimeout|setInterval|setImmediate|queueMicrotask|XMLHttpRequest|WebSocket|localStorage|sessionStorage|document|window|globalThis)\b/;
    const found = files
      .filter((file) => areaOf(file) === 'core')
      .flatMap((file) =>
        statements(readFileSync(file, 'utf8'))
          .split('\n')
          .filter((line) => forbidden.test(line))
          .map((line) => `${relative(lib, file)}: ${line.trim()}`),
      );
    expect(found).to.deep.equal([]);
  });

  it('the checks can see what they look for', () => {
    expect(importsOf("/** import { x } from 'yqcloud-rx' */\nimport * as E from 'fp-ts/lib/Either.js';")).to.deep.equal(
      ['fp-ts/lib/Either.js'],
    );
    expect(targetOf(join(lib, 'core', 'x.ts'), '../http/utf8.js')).to.equal('area:http');
    expect(targetOf(join(lib, 'http', 'x.ts'), '#rx')).to.equal('area:rx');
    expect(areaOf(join(lib, 'rx.ts'))).to.equal('rx');
    expect(
      rxValueImports(
        "import type { Observable } from 'rxjs';\nimport { type OperatorFunction } from 'rxjs';\nimport { map, type Observable } from 'rxjs';\nexport { of } from 'rxjs/internal/observable/of';\nconst r = await import('rxjs');",
      ),
    ).to.deep.equal([
      "import { map, type Observable } from 'rxjs'",
      "export { of } from 'rxjs/internal/observable/of'",
      "import('rxjs'",
    ]);
    expect(targetOf(join(lib, 'cli', 'x.ts'), '../emulator/index.js')).to.equal('area:emulator/index');
    expect(targetOf(join(lib, 'cli', 'x.ts'), '../emulator/fault.js')).to.equal('area:emulator');
    expect('area:http').to.not.satisfy((target: string) => permits('core', target));
    expect('area:cli').to.not.satisfy((target: string) => permits('provider', target));
    expect(statements("const a = 'throw'; // throw\n  throw new Error('x');")).to.match(/\bthrow\b/);
    expect(statements("const a = 'throw';")).to.not.match(/\bthrow\b/);
  });
});
