import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { YqcloudError } from '../../lib/core/error.js';

/** Errors as plain objects, so deep equality sees `kind`, `phase`, `partialText`, … (chai compares Errors by message only). */
const comparable = (u: unknown): unknown => {
  if (u instanceof YqcloudError) return u.toJSON();
  if (Array.isArray(u)) return u.map(comparable);
  if (typeof u === 'object' && u !== null)
    return Object.fromEntries(Object.entries(u).map(([key, value]) => [key, comparable(value)]));
  return u;
};

/** A TestScheduler whose assertions are chai deep-equality, errors compared field by field. */
export const testScheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => {
    expect(comparable(actual)).to.deep.equal(comparable(expected));
  });
