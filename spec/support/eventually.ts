/**
 * Waiting for a state that has no event to wait on (a counter, a terminal's screen), by polling:
 * a bound on the wait, never a measurement.
 */

/** Resolves once `check()` holds, polling every 10 ms; rejects after `ms` with `timed out waiting for <what>`. */
export const eventually = async (check: () => boolean, ms = 2000, what = 'the condition'): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${ms} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
