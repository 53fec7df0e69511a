/**
 * Code samples of the README and the guides: extracted from ```ts fences, so the docs can be
 * type-checked and run by the specs as a reader pastes them, with nothing added. A fence
 * `ts no-run` is type-checked only; `ts no-check` is neither (for fragments of other languages'
 * shapes, say); plain `ts` is checked and run. `ts file=name.ts` is saved under that name, so the
 * page's later samples can import it (`./name.js`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One sample: where it is and what it says. */
export interface Sample {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly run: boolean;
  readonly check: boolean;
  /** The file name the page tells the reader to save it as (`ts file=chat.service.ts`), if any. */
  readonly saveAs: string | undefined;
}

const fence = /^```(ts|typescript)([^\n]*)\n([\s\S]*?)^```\s*$/gm;

/** The samples of one Markdown file. */
export const samplesOf = (root: string, file: string): ReadonlyArray<Sample> => {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(fence)].map((match) => {
    const info = match[2] ?? '';
    return {
      file: relative(root, file),
      line: text.slice(0, match.index).split('\n').length,
      code: match[3] ?? '',
      check: !/\bno-check\b/.test(info),
      run: !/\bno-(run|check)\b/.test(info),
      saveAs: /\bfile=(\S+)/.exec(info)?.[1],
    };
  });
};

/** The Markdown files whose samples are checked: the README and docs/ (not the generated API). */
export const markdownFiles = (root: string): ReadonlyArray<string> => [
  join(root, 'README.md'),
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name)),
];

/** The packages a sample imports (bare specifiers, `node:` built-ins left out), as named in its code. */
export const importsOf = (code: string): ReadonlyArray<string> =>
  [...code.matchAll(/^\s*import\s[^'"]*?['"]([^'"]+)['"]|^\s*}\s*from\s*['"]([^'"]+)['"]/gm)]
    .map((m) => m[1] ?? m[2] ?? '')
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'));

/**
 * The file a sample is written to in the app: the name its page gives it, else its page and line
 * (`README-53.ts`, `getting-started-20.ts`).
 */
export const sampleFileName = (sample: Sample): string =>
  sample.saveAs ?? `${sample.file.replace(/^docs\//, '').replace(/\.md$/, '')}-${sample.line}.ts`;
