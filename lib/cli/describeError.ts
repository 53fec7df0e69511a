/**
 * One readable line per failure, naming its kind.
 *
 * @module
 */
import { YqcloudError } from '../index.js';

const hints: Readonly<Record<string, string>> = {
  Blocked: 'the service refused requests from this network; try another network or --proxy',
  Timeout: 'raise the timeout, or add --retries for a slow first chunk',
  Network: 'check the endpoint, your connection and any --proxy',
  EmptyResponse: 'the service may be throttling you; wait and try again',
};

/**
 * The line printed on stderr for an error: `Kind: message (hint)`.
 *
 * @example
 * ```ts
 * describeError(error); // 'Blocked: blocked: the service banned this IP address … (try another network or --proxy)'
 * ```
 */
export const describeError = (e: unknown): string => {
  if (!(e instanceof YqcloudError)) return `unexpected error: ${e instanceof Error ? e.message : String(e)}`;
  const hint = hints[e.kind];
  return `${e.kind}: ${e.message}${hint === undefined ? '' : ` — ${hint}`}`;
};
