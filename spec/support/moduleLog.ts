import { execFile } from 'node:child_process';
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
