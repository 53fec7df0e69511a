import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exampleModule, exampleScope, examplesOf, sourceFiles, type DocExample } from './docExamples.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const workDir = join(root, '.doc-examples');

const declaration =
  /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:const|let|function\*?|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/;

/** Every top-level exported declaration, with the doc comment right above it (if any). */
interface Declaration {
  readonly name: string;
  readonly comment: string | undefined;
}

const exportedDeclarations = (file: string): ReadonlyArray<Declaration> => {
  const lines = readFileSync(file, 'utf8').split('\n');
  return lines.flatMap((line, index): ReadonlyArray<Declaration> => {
    const match = declaration.exec(line);
    if (match === null) return [];
    let end = index - 1;
    // Blank lines and line comments (a `biome-ignore`) may stand between a doc comment and its declaration.
    while (end >= 0 && (lines[end]?.trim() === '' || lines[end]?.trim().startsWith('//'))) end--;
    if (end < 0 || lines[end]?.trim() !== '*/') return [{ name: match[1] ?? '', comment: undefined }];
    let start = end;
    while (start >= 0 && !lines[start]?.trim().startsWith('/**')) start--;
    return [{ name: match[1] ?? '', comment: lines.slice(start, end + 1).join('\n') }];
  });
};

const fileOf = (index: number): string => `example-${String(index).padStart(3, '0')}.ts`;

/** The package's entry points: what users import, and what the API reference documents. */
const entryPoints = ['lib/index.ts', 'lib/testing/index.ts', 'lib/emulator/index.ts', 'lib/server/index.ts'];

/** A public name and the declaration it resolves to (through `export { … } from` lists). */
interface PublicExport {
  readonly name: string;
  readonly file: string;
  readonly declaration: Declaration & { readonly kind: 'value' | 'type' };
}

/** package.json's own `#…` imports → their Node build (`./dist/http/nodeTransport.js`). */
const ownImports: Readonly<Record<string, { readonly default?: string }>> = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    readonly imports: Readonly<Record<string, { readonly default?: string }>>;
  }
).imports;

/** The source file a specifier in `file` names: relative, or one of the package's `#…` imports. */
const sourceOf = (file: string, specifier: string): string => {
  const built = ownImports[specifier]?.default;
  return built === undefined
    ? join(dirname(file), specifier.replace(/\.js$/, '.ts'))
    : join(root, built.replace(/^\.\/dist\//, 'lib/').replace(/\.js$/, '.ts'));
};

const reexports = (file: string): ReadonlyArray<{ readonly names: ReadonlyArray<string>; readonly from: string }> =>
  [...readFileSync(file, 'utf8').matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/gm)].map((m) => ({
    names: (m[1] ?? '')
      .split(',')
      .map((part) => part.trim().replace(/^type\s+/, ''))
      .filter((part) => part !== ''),
    from: sourceOf(file, m[2] ?? ''),
  }));

/** Where `name`, exported by `file`, is declared (following re-exports), with its doc comment. */
const resolveExport = (file: string, name: string): PublicExport | undefined => {
  const text = readFileSync(file, 'utf8');
  const local = exportedDeclarations(file).find((d) => d.name === name);
  if (local !== undefined) {
    const typeOnly = new RegExp(`^export\\s+(?:declare\\s+)?(?:interface|type)\\s+${name}\\b`, 'm').test(text);
    return { name, file, declaration: { ...local, kind: typeOnly ? 'type' : 'value' } };
  }
  const next = reexports(file).find((r) => r.names.includes(name));
  return next === undefined ? undefined : resolveExport(next.from, name);
};

const publicExports = (): ReadonlyArray<PublicExport | string> =>
  entryPoints.flatMap((entry) =>
    reexports(join(root, entry)).flatMap(({ names, from }) =>
      names.map((name) => resolveExport(from, name) ?? `${entry}: ${name} (declaration not found)`),
    ),
  );

describe('doc comments', () => {
  it('every public export (the entry points’ names) has a doc comment; every public value one with a ```ts example', () => {
    const found = publicExports();
    expect(found.length).to.be.greaterThan(100);
    const missing = found.flatMap((exported) => {
      if (typeof exported === 'string') return [exported];
      const { comment, kind } = exported.declaration;
      const where = `${relative(root, exported.file)}: ${exported.name}`;
      if (comment === undefined) return [`${where} (no doc comment)`];
      return kind === 'value' && !/@example[\s\S]*```ts/.test(comment) ? [`${where} (no @example)`] : [];
    });
    expect(missing, `public exports missing documentation:\n${missing.join('\n')}`).to.deep.equal([]);
  });

  describe('every @example under lib/ type-checks', function () {
    this.timeout(120_000);
    const examples: ReadonlyArray<DocExample> = sourceFiles(join(root, 'lib')).flatMap((file) =>
      examplesOf(root, file),
    );
    const preludes: Array<number> = [];

    before(() => {
      rmSync(workDir, { recursive: true, force: true });
      mkdirSync(workDir, { recursive: true });
      const scope = exampleScope(root, workDir);
      examples.forEach((example, index) => {
        const { text, preludeLines } = exampleModule(root, workDir, example, scope);
        preludes[index] = preludeLines;
        writeFileSync(join(workDir, fileOf(index)), text);
      });
      writeFileSync(
        join(workDir, 'tsconfig.json'),
        JSON.stringify({
          extends: '../tsconfig.json',
          // An example imports its module's types and values alike, as its reader sees them.
          compilerOptions: {
            noEmit: true,
            noUnusedLocals: false,
            noUnusedParameters: false,
            verbatimModuleSyntax: false,
            isolatedModules: false,
            rootDir: '..',
          },
          include: ['*.ts'],
        }),
      );
    });

    after(() => {
      rmSync(workDir, { recursive: true, force: true });
    });

    it(`finds the examples (${examples.length})`, () => {
      expect(examples.length).to.be.greaterThan(100);
    });

    it('compiles each against the library, in its module’s scope', async () => {
      const tsc = join(root, 'node_modules/.bin/tsc');
      const result = await run(tsc, ['-p', join(workDir, 'tsconfig.json')], { cwd: root }).then(
        () => '',
        (e: { stdout?: string }) => e.stdout ?? String(e),
      );
      const located = result.replace(
        /\.doc-examples\/example-(\d+)\.ts\((\d+),(\d+)\)/g,
        (whole, index: string, line: string, column: string) => {
          const example = examples[Number(index)];
          const prelude = preludes[Number(index)];
          return example === undefined || prelude === undefined
            ? whole
            : `${example.file}:${example.line + Number(line) - prelude - 1}:${column}`;
        },
      );
      expect(located, located).to.equal('');
    });
  });
});
