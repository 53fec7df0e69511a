/**
 * The `@example`s of the doc comments under lib/, as modules the compiler can check.
 *
 * An example is read as its reader would read it: next to the module it documents. So each one
 * is compiled with the names it uses but does not declare imported for it, from its own module
 * first; then the handful of values an example talks about without making them (`provider`,
 * `messages`, an error `e`, …), declared with their types; then the package's entry points
 * (`yqcloud-rx`, `/internal`, `/testing`, `/emulator`), fp-ts (`pipe`, `E`, `O`, `RA`,
 * `isRight`, …), rxjs, and last any other module of lib (internal modules' examples use their
 * neighbours). Its own imports of `yqcloud-rx…` are pointed at the sources.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One `@example` block: where it is and what it says. */
export interface DocExample {
  /** The source file, relative to the root. */
  readonly file: string;
  /** The line of the source file the example's first code line is on. */
  readonly line: number;
  readonly code: string;
}

/** Every `.ts` file under `dir` (declarations excluded). */
export const sourceFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });

const docComment = /\/\*\*[\s\S]*?\*\//g;
const exampleFence =
  /@example[^\n]*\n((?:[ \t]*\*[^\n]*\n)*?)[ \t]*\*[ \t]*```(?:ts|typescript)[^\n]*\n([\s\S]*?)[ \t]*\*[ \t]*```/g;

/** The examples of one source file. */
export const examplesOf = (root: string, file: string): ReadonlyArray<DocExample> => {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(docComment)].flatMap((comment) =>
    [...comment[0].matchAll(exampleFence)].map((match) => {
      const before =
        text.slice(0, (comment.index ?? 0) + (match.index ?? 0)) + match[0].slice(0, match[0].indexOf('```'));
      return {
        file: relative(root, file),
        line: before.split('\n').length + 1,
        code: (match[2] ?? '')
          .split('\n')
          .map((line) => line.replace(/^[ \t]*\*(?: |$)/, ''))
          .join('\n'),
      };
    }),
  );
};

/** The names a module exports (declarations and `export { … }` lists). */
export const exportedNames = (file: string): ReadonlyArray<string> => {
  const text = readFileSync(file, 'utf8').replace(docComment, '');
  const declared = [
    ...text.matchAll(
      /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:const|let|function\*?|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm,
    ),
  ].map((m) => m[1] ?? '');
  const listed = [...text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}/gm)].flatMap((m) =>
    (m[1] ?? '')
      .split(',')
      .map((part) => part.trim().replace(/^type\s+/, ''))
      .filter((part) => part !== '')
      .map((part) => part.split(/\s+as\s+/).pop() ?? part),
  );
  return [...declared, ...listed];
};

/** Where a name an example uses but does not declare comes from, other than its own module. */
export interface Scope {
  /** Name → module specifier (relative to the examples' directory) or package. */
  readonly imports: ReadonlyMap<string, { readonly from: string; readonly namespace: boolean }>;
  /** Name → a `declare const` line, for values examples talk about without making them. */
  readonly givens: ReadonlyMap<string, string>;
}

const packageNamespaces: ReadonlyArray<readonly [string, string]> = [
  ['E', 'fp-ts/lib/Either.js'],
  ['O', 'fp-ts/lib/Option.js'],
  ['RA', 'fp-ts/lib/ReadonlyArray.js'],
  ['t', 'io-ts'],
];

const packageNames: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ['fp-ts/lib/function.js', ['pipe', 'flow', 'identity']],
  ['fp-ts/lib/Either.js', ['isRight', 'isLeft', 'right', 'left']],
  ['fp-ts/lib/Option.js', ['some', 'none', 'isSome', 'isNone']],
  [
    'rxjs',
    [
      'Observable',
      'Subject',
      'of',
      'from',
      'defer',
      'concat',
      'merge',
      'timer',
      'interval',
      'throwError',
      'EMPTY',
      'NEVER',
      'map',
      'filter',
      'take',
      'retry',
      'catchError',
      'firstValueFrom',
      'lastValueFrom',
      'asyncScheduler',
      'animationFrameScheduler',
      'OperatorFunction',
      'SchedulerLike',
    ],
  ],
  ['rxjs/testing', ['TestScheduler']],
];

/**
 * The values examples use without making them, as a reader would expect from the prose; `@/` is
 * the root, `yq.` the root entry point.
 */
const givens: ReadonlyArray<readonly [string, string]> = [
  ['messages', 'ReadonlyArray<yq.Message>'],
  ['provider', 'yq.YqcloudProvider'],
  ['request', 'yq.ChatRequest'],
  ['conversation', 'yq.Conversation'],
  ['chunk', 'yq.Chunk'],
  ['chunks', 'ReadonlyArray<yq.Chunk>'],
  ['chunks$', "import('rxjs').Observable<yq.Chunk>"],
  ['reply$', "import('rxjs').Observable<yq.Chunk>"],
  ['chat', 'yq.ChatSession'],
  ['state', "import('@/lib/session/chatState.js').SessionState"],
  ['transport', 'yq.Transport'],
  ['httpRequest', 'yq.HttpRequest'],
  ['plan', "import('@/lib/provider/replyStream.js').ReplyPlan"],
  ['valid', "import('@/lib/core/request.js').ValidRequest"],
  ['maxResponseBytes', 'number'],
  ['wanted', 'number'],
  ['testScheduler', "import('rxjs/testing').TestScheduler"],
  ['expectObservable', "import('rxjs/testing').RunHelpers['expectObservable']"],
  ['emulator', "import('@/lib/emulator/index.js').Emulator"],
  ['e', 'unknown'],
  ['err', 'unknown'],
  ['error', 'unknown'],
  ['u', 'unknown'],
  ['saved', 'unknown'],
  ['options', 'unknown'],
  ['url', 'string'],
  ['element', 'HTMLElement'],
  ['tracer', 'yq.TelemetryTracer'],
  ['meter', 'yq.TelemetryMeter'],
  ['span', 'yq.TelemetrySpan'],
  ['source', "import('rxjs').Observable<yq.Chunk>"],
  ['render', '(...args: ReadonlyArray<unknown>) => void'],
];

/** The scope of every example: the entry points' names, fp-ts, rxjs, the givens, then all of lib. */
export const exampleScope = (root: string, outDir: string): Scope => {
  const imports = new Map<string, { readonly from: string; readonly namespace: boolean }>();
  const specifier = (file: string): string => relative(outDir, file).replace(/\.ts$/, '.js');
  const entries = ['lib/index.ts', 'lib/internal.ts', 'lib/testing/index.ts', 'lib/emulator/index.ts'];
  for (const entry of entries)
    for (const name of exportedNames(join(root, entry)))
      if (!imports.has(name)) imports.set(name, { from: specifier(join(root, entry)), namespace: false });
  for (const [name, from] of packageNamespaces) imports.set(name, { from, namespace: true });
  for (const [from, names] of packageNames)
    for (const name of names) if (!imports.has(name)) imports.set(name, { from, namespace: false });
  // Last, what a module of lib exports without an entry point exporting it (internal modules'
  // examples use their neighbours).
  for (const file of sourceFiles(join(root, 'lib')))
    for (const name of exportedNames(file))
      if (!imports.has(name)) imports.set(name, { from: specifier(file), namespace: false });
  const rooted = (type: string): string =>
    type
      .replace(/@\/([^']*)/g, (_m, path: string) => specifier(join(root, path)).replace(/\.ts$/, '.js'))
      .replace(/\byq\./g, `import('${specifier(join(root, 'lib/index.ts'))}').`);
  return { imports, givens: new Map(givens.map(([name, type]) => [name, `declare const ${name}: ${rooted(type)};`])) };
};

const declares = (code: string, name: string): boolean =>
  new RegExp(
    `\\b(?:const|let|var|function|class|interface|type)\\s+${escapeName(name)}\\b|\\b(?:const|let|var)\\s*(?:\\{[^}]*\\b${escapeName(name)}\\b[^}]*\\}|\\[[^\\]]*\\b${escapeName(name)}\\b[^\\]]*\\])|import\\s+(?:type\\s+)?\\{[^}]*\\b${escapeName(name)}\\b[^}]*\\}|import\\s+\\*\\s+as\\s+${escapeName(name)}\\b|import\\s+${escapeName(name)}\\s+from`,
  ).test(code);

const escapeName = (name: string): string => name.replace(/\$/g, '\\$');

/** The identifiers of code, outside strings and comments (roughly: enough to choose imports). */
const identifiers = (code: string): ReadonlySet<string> =>
  new Set(
    code
      .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''")
      .replace(/\/\/.*$/gm, '')
      .match(/(?<!(?<!\.)\.|[\w$])[A-Za-z_$][\w$]*/g) ?? [],
  );

/**
 * An example as a module: its `yqcloud-rx…` imports pointed at the sources, the names it uses but
 * does not declare imported (its own module first), and the givens it uses declared. Returns the
 * module and how many lines come before the example's code.
 */
export const exampleModule = (
  root: string,
  outDir: string,
  example: DocExample,
  scope: Scope,
): { readonly text: string; readonly preludeLines: number } => {
  const source = join(root, example.file);
  const ownFrom = relative(outDir, source).replace(/\.ts$/, '.js');
  const own = new Set(exportedNames(source));
  const entryPoints: ReadonlyArray<readonly [string, string]> = [
    ['yqcloud-rx/internal', 'lib/internal.js'],
    ['yqcloud-rx/testing', 'lib/testing/index.js'],
    ['yqcloud-rx/emulator', 'lib/emulator/index.js'],
    ['yqcloud-rx/server', 'lib/server/index.js'],
    ['yqcloud-rx', 'lib/index.js'],
  ];
  let code = example.code;
  for (const [specifier, target] of entryPoints)
    code = code.replaceAll(`from '${specifier}'`, `from '${relative(outDir, join(root, target))}'`);
  const wanted = [...identifiers(code)].filter((name) => !declares(code, name));
  const byModule = new Map<string, Array<string>>();
  const lines: Array<string> = [];
  const given: Array<string> = [];
  for (const name of wanted) {
    const line = own.has(name) ? undefined : scope.givens.get(name);
    const from = own.has(name) ? { from: ownFrom, namespace: false } : scope.imports.get(name);
    if (line !== undefined) given.push(line);
    else if (from === undefined) continue;
    else if (from.namespace) lines.push(`import * as ${name} from '${from.from}';`);
    else byModule.set(from.from, [...(byModule.get(from.from) ?? []), name]);
  }
  for (const [from, names] of byModule) lines.push(`import { ${names.join(', ')} } from '${from}';`);
  lines.push(...given);
  return { text: `${lines.join('\n')}\n${code}\nexport {};\n`, preludeLines: lines.length };
};
