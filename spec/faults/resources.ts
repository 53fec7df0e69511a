/**
 * What a fault case may leave behind, measured from outside the library: the process's active
 * TCP sockets and timers (`process.getActiveResourcesInfo()`, which counts the emulator's
 * server-side sockets and the provider's client sockets alike) and the emulator's open
 * connections.
 *
 * @example
 * ```ts
 * const before = snapshot(emulator);
 * // … run a case …
 * expect(await settled(emulator, before, 2_000)).to.deep.equal(before);
 * ```
 */
import type { Emulator } from '../../lib/emulator/index.js';

/** Open sockets, timers and emulator connections at one moment. */
export interface Resources {
  readonly sockets: number;
  readonly timers: number;
  readonly emulatorConnections: number;
}

const count = (name: string): number => process.getActiveResourcesInfo().filter((r) => r === name).length;

/**
 * The resources open right now.
 *
 * @example
 * ```ts
 * snapshot(emulator).sockets; // 0 while nothing is connected
 * ```
 */
export const snapshot = (emulator: Emulator): Resources => ({
  sockets: count('TCPSocketWrap'),
  timers: count('Timeout'),
  emulatorConnections: emulator.openConnections(),
});

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits (at most `boundMs`: a bound, not a timing measurement) until no more sockets, timers or
 * emulator connections are open than in `baseline`, and returns what is open then, so the
 * caller can compare it with the baseline. Sockets close asynchronously (a destroyed socket's
 * handle goes on a later tick, the peer sees the FIN or RST later still), hence the wait.
 *
 * @example
 * ```ts
 * expect(await settled(emulator, baseline, 2_000)).to.deep.equal(baseline);
 * ```
 */
export const settled = async (emulator: Emulator, baseline: Resources, boundMs: number): Promise<Resources> => {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const now = snapshot(emulator);
    const clean =
      now.sockets <= baseline.sockets &&
      now.timers <= baseline.timers &&
      now.emulatorConnections <= baseline.emulatorConnections;
    if (clean || Date.now() >= deadline) return now;
    await pause(5);
  }
};

/**
 * Waits (at most `boundMs`) until the emulator has at most `n` open connections; returns the count.
 *
 * @example
 * ```ts
 * expect(await connectionsAtMost(emulator, 1, 1_000)).to.be.at.most(1);
 * ```
 */
export const connectionsAtMost = async (emulator: Emulator, n: number, boundMs: number): Promise<number> => {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const open = emulator.openConnections();
    if (open <= n || Date.now() >= deadline) return open;
    await pause(5);
  }
};
