/**
 * The environment variables the provider reads, where there is a `process` (Node, Bun, Deno):
 * `YQCLOUD_API_ENDPOINT` (the default endpoint, as openai-node reads `OPENAI_BASE_URL`) and
 * `YQCLOUD_RX_LOG` (`debug` logs each request to stderr, `off` does not). In a browser bundle there is no
 * `process`, and both read as unset.
 *
 * @module
 */
import type { Logger } from '../http/loggingTransport.js';

/**
 * The variable naming the default endpoint, used when a provider is given no `apiEndpoint`.
 *
 * @example
 * ```ts
 * process.env[apiEndpointVariable] = 'http://127.0.0.1:8080/api/generateStream'; // before `new YqcloudProvider()`
 * ```
 */
export const apiEndpointVariable = 'YQCLOUD_API_ENDPOINT';

/**
 * The variable that turns debug logging on (`debug`) when a provider is given no `logger`.
 *
 * @example
 * ```ts
 * process.env[logVariable] = 'debug'; // providers made afterwards log to stderr
 * ```
 */
export const logVariable = 'YQCLOUD_RX_LOG';

/**
 * A variable's value, or `undefined` when it is unset, empty, or there is no `process`.
 */
export const environmentVariable = (name: string): string | undefined => {
  const env = (globalThis as { readonly process?: { readonly env?: Readonly<Record<string, string | undefined>> } })
    .process?.env;
  const value = typeof env === 'object' && env !== null ? env[name] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** Writes each log line to stderr, so that a program's stdout stays its own. */
const stderrLogger: Logger = {
  debug: (message) => console.error(message),
};

/** The values of `YQCLOUD_RX_LOG`, any case; unset or empty is `off`. */
const logLevels: ReadonlyArray<string> = ['debug', 'off'];

let unknownLevelReported = false;

/**
 * The logger `YQCLOUD_RX_LOG=debug` asks for (stderr), or `undefined`. Another value than
 * `debug` or `off` logs nothing, and says so on stderr once per process.
 */
export const loggerFromEnvironment = (): Logger | undefined => {
  const level = environmentVariable(logVariable)?.toLowerCase();
  if (level === 'debug') return stderrLogger;
  if (level !== undefined && !logLevels.includes(level) && !unknownLevelReported) {
    unknownLevelReported = true;
    console.error(
      `yqcloud-rx: ${logVariable}=${JSON.stringify(level.slice(0, 40))} is not a log level, so nothing is logged; its values are ${logLevels.join(' and ')}`,
    );
  }
  return undefined;
};
