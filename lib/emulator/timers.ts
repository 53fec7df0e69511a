/**
 * The emulator's timers, kept so that closing it clears every one.
 *
 * @module
 */

/**
 * Timers that can all be cleared at once.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 *
 * const timers = createTimers();
 * const server = createServer((req, res) => {
 *   res.writeHead(200);
 *   timers.later(1000, () => res.end('Hi'));
 * });
 * const close = (): void => {
 *   timers.clear(); // no pending 'Hi' runs after the server is gone
 *   server.close();
 *   server.closeAllConnections();
 * };
 * ```
 */
export interface Timers {
  /** Runs `run` after `ms` milliseconds, unless cleared first. */
  readonly later: (ms: number, run: () => void) => void;
  /** Clears every pending timer. */
  readonly clear: () => void;
}

/**
 * A fresh set of timers.
 */
export const createTimers = (): Timers => {
  const pending = new Set<NodeJS.Timeout>();
  return {
    later: (ms, run) => {
      const timer = setTimeout(() => {
        pending.delete(timer);
        run();
      }, ms);
      pending.add(timer);
    },
    clear: () => {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
    },
  };
};
