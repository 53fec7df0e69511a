/**
 * A fresh app, made as the README tells a newcomer to make one: `npm pack` in the clone, then in
 * an empty directory `npm init -y`, `npm pkg set type=module` and `npm install` of the tarball,
 * `rxjs`, `tsx`, `@types/node` and the packages the samples import (at this repository's
 * versions, so npm's cache serves them and nothing but the npm registry is ever asked).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The app: where it is, and what `npm install` said on stderr. */
export interface FreshApp {
  readonly dir: string;
  readonly tarball: string;
  readonly installWarnings: string;
}

/** The package a bare import specifier names (`@scope/name/sub` → `@scope/name`). */
export const packageOf = (specifier: string): string => {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
};

interface Manifest {
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

/** `name@range` as this repository installs it, or an error naming a package it does not have. */
const versioned = (root: string, name: string): string => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
  const range = manifest.devDependencies?.[name] ?? manifest.dependencies?.[name];
  if (range === undefined) throw new Error(`a sample imports ${name}, which package.json does not list`);
  return `${name}@${range}`;
};

/** Packs the clone at `root` and installs the tarball and `packages` into a new app. */
export const createFreshApp = async (root: string, packages: ReadonlyArray<string>): Promise<FreshApp> => {
  const dir = mkdtempSync(join(tmpdir(), 'yqcloud-rx-fresh-app-'));
  // `prepack` takes `prepare` out of package.json and `postpack` puts it back; a pack that fails
  // in between must not leave the clone without it.
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root }).finally(() =>
    run(process.execPath, ['tools/packScripts.mjs', 'restore'], { cwd: root }),
  );
  const [packed] = JSON.parse(stdout) as Array<{ readonly filename: string }>;
  if (packed === undefined) throw new Error('npm pack made no tarball');
  const tarball = join(dir, packed.filename);
  await run('npm', ['init', '-y'], { cwd: dir });
  await run('npm', ['pkg', 'set', 'type=module'], { cwd: dir });
  const wanted = ['rxjs', 'tsx', '@types/node', ...packages].filter((name, i, all) => all.indexOf(name) === i);
  const { stderr } = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...wanted.map((name) => versioned(root, name))],
    { cwd: dir },
  );
  return { dir, tarball, installWarnings: stderr };
};
