/**
 * A spinner on a terminal stream until the first chunk arrives.
 *
 * @module
 */

/**
 * A running spinner.
 *
 * @example
 * ```ts
 * const spinner: Spinner = startSpinner(process.stderr);
 * spinner.stop();
 * ```
 */
export interface Spinner {
  /** Stops and erases the spinner (idempotent). */
  readonly stop: () => void;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Starts a spinner on `stream` when it is a terminal; a no-op otherwise.
 *
 * @example
 * ```ts
 * const spinner = startSpinner(process.stderr);
 * spinner.stop();
 * ```
 */
export const startSpinner = (stream: NodeJS.WriteStream): Spinner => {
  if (stream.isTTY !== true) return { stop: () => undefined };
  let index = 0;
  const draw = (): void => {
    stream.write(`\r${frames[index % frames.length] ?? ''} waiting for the reply…`);
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
