/**
 * Code samples of the README and the guides: extracted from ```ts fences, so the docs can be
 * type-checked and run by the specs. A fence `ts no-run` is type-checked only; `ts no-check` is
 * neither (for fragments of other languages' shapes, say); plain `ts` is checked and run.
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

/**
 * Names a sample may use without declaring them, as a reader would expect from the prose around
 * it: `messages` (one user message) and `provider` (a provider with the default endpoint, which
 * the spec aims at the emulator through `YQCLOUD_API_ENDPOINT`).
 */
const preludeNames: ReadonlyArray<readonly [string, string]> = [
  ['messages', "const messages: ReadonlyArray<__yq.Message> = [{ role: 'user', content: 'Hello' }];"],
  ['provider', 'const provider = new __yq.YqcloudProvider();'],
];

const declares = (code: string, name: string): boolean =>
  new RegExp(
    `\\b(?:const|let|var|function|class)\\s+${name}\\b|\\b(?:const|let|var)\\s*[{[][^=]*\\b${name}\\b[^=]*=|import\\s*\\{[^}]*\\b${name}\\b[^}]*\\}`,
  ).test(code);

/**
 * A sample as a module: imports of `yqcloud-rx` rewritten to `shims` (the library's sources), and
 * the prelude names it uses but does not declare.
 */
export const asModule = (sample: Sample, shims: Readonly<Record<string, string>>): string => {
  let code = sample.code;
  for (const [specifier, target] of Object.entries(shims))
    code = code.replaceAll(`from '${specifier}'`, `from '${target}'`);
  const needed = preludeNames.filter(([name]) => new RegExp(`\\b${name}\\b`).test(code) && !declares(code, name));
  const prelude =
    needed.length === 0
      ? ''
      : [`import * as __yq from '${shims['yqcloud-rx'] ?? 'yqcloud-rx'}';`, ...needed.map(([, line]) => line)].join(
          '\n',
        );
  return `${prelude}\n${code}\nexport {};\n`;
};
