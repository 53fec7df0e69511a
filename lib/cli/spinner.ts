/**
 * A spinner on a terminal stream until the first chunk arrives: how long it has waited, when it
 * gives up, and the flag that changes that.
 *
 * @module
 */

/**
 * A running spinner.
 */
export interface Spinner {
  /** Stops and erases the spinner (idempotent). */
  readonly stop: () => void;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * What the waiting line says besides the time waited.
 */
export interface Waiting {
  /** When the wait ends in a timeout, in seconds (`0`: never). */
  readonly limitSeconds: number;
  /** The flag that changes it. */
  readonly flag: string;
  /** The clock (default `Date.now`). */
  readonly now?: (() => number) | undefined;
}

/**
 * Starts a spinner on `stream` when it is a terminal (a no-op otherwise): `⠋ waiting for the
 * reply… 12 s (gives up at 60 s; --first-chunk-timeout changes it)`.
 */
export const startSpinner = (stream: NodeJS.WriteStream, waiting: Waiting): Spinner => {
  if (stream.isTTY !== true) return { stop: () => undefined };
  const now = waiting.now ?? Date.now;
  const start = now();
  const limit =
    waiting.limitSeconds > 0
      ? `gives up at ${waiting.limitSeconds} s; ${waiting.flag} changes it`
      : `no time limit; ${waiting.flag} sets one`;
  let index = 0;
  const draw = (): void => {
    const waited = Math.floor((now() - start) / 1000);
    stream.write(`\r\x1b[2K${frames[index % frames.length] ?? ''} waiting for the reply… ${waited} s (${limit})`);
    index++;
  };
  draw();
  const timer = setInterval(draw, 80);
  let stopped = false;
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stream.write('\r\x1b[2K');
    },
  };
};
