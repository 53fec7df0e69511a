/**
 * Everything a suite starts, stopped in its `after` hook even when `before` failed half-way.
 *
 * `const [a, b] = await Promise.all([startA(), startB()])` loses `b` when `startA()` rejects: the
 * hook fails at once, `b` is still starting, nothing holds it, and its sockets or child process
 * keep mocha (`exit: false`) waiting forever. `track` registers each start the moment it begins,
 * and `stopAll` waits for every start to settle before it stops the ones that succeeded.
 *
 * @example
 * ```ts
 * const started = teardown();
 * before(async () => {
 *   [browser, server] = await Promise.all([
 *     started.track(launchChromium(), (b) => b.close()),
 *     started.track(servePage(code), (s) => s.close()),
 *   ]);
 * });
 * after(() => started.stopAll());
 * ```
 */

/** The resources of one suite: see the module comment. */
export interface Teardown {
  /** Registers a resource being started; resolves (or rejects) as `starting` does. */
  readonly track: <T>(starting: Promise<T>, stop: (resource: T) => unknown) => Promise<T>;
  /** Waits for every start, then stops the started resources, last started first; rejects with the first stop error. */
  readonly stopAll: () => Promise<void>;
}

/** A new, empty set of resources to stop. */
export const teardown = (): Teardown => {
  let pending: Array<Promise<(() => unknown) | undefined>> = [];
  return {
    track: (starting, stop) => {
      pending.push(
        starting.then(
          (resource) => () => stop(resource),
          () => undefined,
        ),
      );
      return starting;
    },
    stopAll: async () => {
      const stops: Array<(() => unknown) | undefined> = [];
      // A start may track more resources while it runs (a server started inside another's start).
      while (pending.length > 0) {
        const batch = pending;
        pending = [];
        stops.push(...(await Promise.all(batch)));
      }
      let failure: { reason: unknown } | undefined;
      for (const stop of stops.reverse()) {
        try {
          await stop?.();
        } catch (reason) {
          failure ??= { reason };
        }
      }
      if (failure !== undefined) throw failure.reason;
    },
  };
};
