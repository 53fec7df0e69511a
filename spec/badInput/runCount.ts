/**
 * Counts the fast-check runs of the bad-input specs and prints the total once, when mocha has
 * run every spec file that imports this module (its root `after` hook is registered once, since
 * an ES module is evaluated once).
 *
 * @example
 * ```ts
 * await checkCounted(fc.property(fc.anything(), (u) => typeof f(u) === 'object'), { numRuns: 1000 });
 * ```
 */
import fc from 'fast-check';

let total = 0;

/** The fast-check runs counted so far. */
export const fastCheckRuns = (): number => total;

/**
 * Checks a property like `fc.assert`, and adds the runs it made to the total.
 *
 * @example
 * ```ts
 * await checkCounted(fc.asyncProperty(fc.string(), async (s) => (await f(s)) !== undefined), { numRuns: 200 });
 * ```
 */
export const checkCounted = async <Ts>(
  property: fc.IRawProperty<Ts>,
  params: fc.Parameters<Ts> = {},
): Promise<void> => {
  const details = await fc.check(property, params);
  total += details.numRuns;
  if (details.failed) {
    const report = await fc.asyncDefaultReportMessage(details);
    throw Object.assign(new Error(report ?? 'property failed'), { cause: details.errorInstance });
  }
};

after(() => {
  console.log(`fast-check runs: ${total}`);
});
