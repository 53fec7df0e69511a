/**
 * One readable line per failure, naming its kind.
 *
 * @module
 */
import { YqcloudError, type BlockReason } from '../index.js';

const hints: Readonly<Record<string, string>> = {
  Timeout: 'raise the timeout, or add --retries for a slow first chunk',
  Network: 'check the endpoint, your connection and any --proxy',
  EmptyResponse: 'the service may be throttling you; wait and try again',
};

const refusals: Readonly<Record<BlockReason, string>> = {
  'ip-banned': 'its abuse detection banned this IP address',
  'abnormal-traffic': 'it reported abnormal traffic from this network',
  'html-page': 'it answered with an HTML gateway or challenge page instead of a reply',
};

/**
 * The line printed on stderr for an error: `Kind: message — hint`.
 *
 * @example
 * ```ts
 * describeError(blocked('ip-banned', ''));
 * // 'Blocked: the service refused this network (its abuse detection banned this IP address) — try another network, or --proxy <url>'
 * ```
 */
export const describeError = (e: unknown): string => {
  if (!(e instanceof YqcloudError)) return `unexpected error: ${e instanceof Error ? e.message : String(e)}`;
  if (e.kind === 'Blocked')
    return `Blocked: the service refused this network${e.reason === undefined ? '' : ` (${refusals[e.reason]})`} — try another network, or --proxy <url>`;
  const hint = hints[e.kind];
  return `${e.kind}: ${e.message}${hint === undefined ? '' : ` — ${hint}`}`;
};
