/**
 * One readable line per failure, naming its kind.
 *
 * @module
 */
import { YqcloudError, type BlockReason, type TimeoutPhase } from '../index.js';

const timeoutHints: Readonly<Record<TimeoutPhase, string>> = {
  'first-chunk': 'raise --first-chunk-timeout, or add --retries',
  idle: 'raise --idle-timeout (--retries does not retry it)',
  total: 'raise --timeout (--retries does not retry it)',
};

const hints: Readonly<Record<string, string>> = {
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
  if (e.kind === 'Timeout' && e.phase !== undefined) return `Timeout: ${e.message.replace(/^timeout: /, '')} — ${timeoutHints[e.phase]}`;
  const hint = hints[e.kind];
  return `${e.kind}: ${e.message}${hint === undefined ? '' : ` — ${hint}`}`;
};
