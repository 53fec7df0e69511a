import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository's root, as a path ending in `/`. */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A module loader hook (source text, for `register`) that logs every module URL the process
 * resolves on stderr (`resolved <url>`), from the loader's thread; a specifier matching `refuse`
 * fails to resolve, as a package that is not installed does (logged `refused <specifier>`).
 */
export const resolveLogHook = (refuse?: RegExp): string => `export async function resolve(specifier, context, next) {
  ${
    refuse === undefined
      ? ''
      : `if (${refuse.toString()}.test(specifier)) {
    process._rawDebug('refused ' + specifier);
    throw Object.assign(new Error('not installed: ' + specifier), { code: 'ERR_MODULE_NOT_FOUND' });
  }`
  }
  const resolved = await next(specifier, context);
  process._rawDebug('resolved ' + resolved.url);
  return resolved;
}`;

/** Runs `code` (an ES module) in a child `node` with tsx, from the root; resolves with its stderr lines. */
export const childLines = async (code: string): Promise<ReadonlyArray<string>> => {
  const { stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: root,
    timeout: 60_000,
  });
  return stderr.split('\n');
};

/**
 * The file Node loads for the package's export `subpath` (package.json `exports`, the `node`
 * condition: the bundled Node build of tools/bundle.mjs), as an absolute path.
 */
export const nodeEntry = (subpath = '.'): string => {
  const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, { node?: string }>;
  };
  const target = exports[subpath]?.node;
  if (target === undefined) throw new Error(`no node target for ${subpath}`);
  return join(root, target);
};

/**
 * The library's source files (`lib/…`, from the root) whose code a process loaded, from its
 * `resolved <url>` lines: each built file under dist/ stands for the sources its source map
 * names, so a bundle's chunk counts as every module bundled into it.
 */
export const sourcesLoaded = (lines: ReadonlyArray<string>): ReadonlyArray<string> => {
  const sources = new Set<string>();
  for (const line of lines) {
    const url = /^resolved (file:\S+\.js)$/.exec(line)?.[1];
    if (url === undefined) continue;
    const file = fileURLToPath(url);
    if (!file.startsWith(join(root, 'dist/')) || !existsSync(`${file}.map`)) continue;
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: ReadonlyArray<string> };
    for (const source of map.sources) sources.add(relative(root, join(dirname(file), source)));
  }
  return [...sources].sort();
};
