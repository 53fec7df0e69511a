import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

const sourceFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });

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

describe('doc comments', () => {
  it('every export under lib/ has a doc comment with a ```ts example', () => {
    const missing = sourceFiles(join(root, 'lib')).flatMap((file) =>
      exportedDeclarations(file)
        .filter(({ comment }) => comment === undefined || !/@example[\s\S]*```ts/.test(comment))
        .map(({ name }) => `${relative(root, file)}: ${name}`),
    );
    expect(missing, `exports without a doc comment holding an @example:\n${missing.join('\n')}`).to.deep.equal([]);
  });
});
