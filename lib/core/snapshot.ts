/**
 * Reading what a caller passed exactly once, through its own properties only: a plain copy that
 * validation checks and the library then uses, so a polluted `Object.prototype` or a getter that
 * answers differently the second time cannot change what is sent.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { invalidRequest, type YqcloudError } from './error.js';

/** How deep plain objects and arrays are copied; deeper input is refused. */
const maxDepth = 64;

/** A plain object of any realm: its prototype is `null` or an `Object.prototype`. */
const isPlainObject = (u: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(u);
  return proto === null || Object.getPrototypeOf(proto) === null;
};

const tooDeep: unique symbol = Symbol('tooDeep');

const copy = (u: unknown, depth: number): unknown => {
  if (typeof u !== 'object' || u === null) return u;
  if (depth > maxDepth) return tooDeep;
  if (Array.isArray(u)) {
    const length = u.length;
    const out: Array<unknown> = [];
    for (let i = 0; i < length; i++) {
      const value = Object.hasOwn(u, i) ? copy(u[i], depth + 1) : undefined;
      if (value === tooDeep) return tooDeep;
      out.push(value);
    }
    return out;
  }
  if (depth > 0 && !isPlainObject(u)) return u;
  // A null prototype: a key the caller did not give reads as undefined, whatever Object.prototype holds.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(u)) {
    const value = copy((u as Record<string, unknown>)[key], depth + 1);
    if (value === tooDeep) return tooDeep;
    out[key] = value;
  }
  return out;
};

/**
 * A copy of `u` made of its own enumerable properties, each read once: plain objects (of any
 * realm) become objects with a `null` prototype, arrays become arrays (holes read as
 * `undefined`); anything else below the top (functions, class instances such as an
 * `AbortSignal` or a `Uint8Array`) is kept as it is. The top object is always copied. A getter or proxy that throws, or nesting deeper than 64
 * levels, is an `InvalidRequest` error at `path`.
 */
export const ownSnapshot = (u: unknown, path = ''): E.Either<YqcloudError, unknown> => {
  let copied: unknown;
  try {
    copied = copy(u, 0);
  } catch {
    return E.left(invalidRequest(path, 'could not be read (a getter or proxy threw)'));
  }
  return copied === tooDeep ? E.left(invalidRequest(path, `nested deeper than ${maxDepth} levels`)) : E.right(copied);
};
