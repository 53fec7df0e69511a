import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository's root, as a path ending with `/`. */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/** Logs every module URL the child resolves, on stderr, from the loader's thread. */
const hook = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  process._rawDebug('resolved ' + resolved.url);
  return resolved;
}`;

/** The lines a child starts with: the hook registered before anything else is imported. */
export const registerResolveLog = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
`;

/**
 * Runs `code` (an ES module that starts with {@link registerResolveLog} and marks its steps with
 * `process._rawDebug('mark <name>')`) under tsx, and answers whether a package of `node_modules`
 * was resolved between two marks (`undefined`: from the start).
 */
export const resolvedBetweenMarks = async (
  code: string,
): Promise<(from: string | undefined, to: string, name: string) => boolean> => {
  const { stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: root,
    timeout: 60_000,
  });
  const lines = stderr.split('\n');
  const at = (mark: string): number => {
    const index = lines.indexOf(`mark ${mark}`);
    if (index < 0) throw new Error(`the child never marked ${mark}:\n${stderr.slice(-2000)}`);
    return index;
  };
  return (from, to, name) =>
    lines
      .slice(from === undefined ? 0 : at(from), at(to))
      .some((line) => line.startsWith(`resolved file://${root}node_modules/${name}/`));
};
