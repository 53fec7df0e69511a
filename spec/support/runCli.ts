import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The built command line, as users run it (package.json `bin`: the Node build, tools/bundle.mjs). */
export const cliBin = join(
  root,
  (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['yqcloud-rx'] ??
    '',
);

/** What one run of the command line gave. */
export interface CliRun {
  /** The exit code; `null` when it was killed. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Killed at the deadline. */
  readonly timedOut: boolean;
}

export interface CliOptions {
  /** Written to its standard input, which is then closed (by default it is closed at once). */
  readonly stdin?: string;
  /** Killed after this long (default 20 s). */
  readonly timeoutMs?: number;
  /** How its output is read (`latin1` keeps every byte). */
  readonly encoding?: BufferEncoding;
}

/** Runs `yqcloud-rx <args>` in a child `node` with `NO_COLOR=1`; never rejects. */
export const runCli = (args: ReadonlyArray<string>, options: CliOptions = {}): Promise<CliRun> =>
  new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [cliBin, ...args],
      {
        timeout: options.timeoutMs ?? 20_000,
        encoding: options.encoding ?? 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
          stdout,
          stderr,
          timedOut: error?.killed === true,
        }),
    );
    child.stdin?.end(options.stdin ?? '');
  });
