/**
 * Node's built-in modules loaded on first use: `node:https`, `node:tls`, `node:zlib` and
 * `node:crypto` are costly to load (docs/benchmarks.md), which a program that imports the library
 * and sends over plain HTTP, uncompressed, without a CA of its own, need not pay.
 *
 * @module
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A getter for the built-in module `id`, loaded on its first call and kept.
 */
export const lazyBuiltin = <M>(id: `node:${string}`): (() => M) => {
  let loaded: M | undefined;
  return () => {
    loaded ??= require(id) as M;
    return loaded;
  };
};
