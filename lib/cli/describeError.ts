/**
 * One readable line per failure, naming its kind.
 *
 * @module
 */
import { YqcloudError, type TimeoutPhase } from '../index.js';

const timeoutHints: Readonly<Record<TimeoutPhase, string>> = {
  'first-chunk': 'raise --first-chunk-timeout, or add --retries',
  idle: 'raise --idle-timeout (--retries does not retry it)',
  total: 'raise --timeout (--retries does not retry it)',
};

/** What the user of the command can do about an error, when there is something. */
const hint = (e: YqcloudError): string | undefined => {
  if (YqcloudError.is(e, 'Blocked')) return '--proxy <url> sends the request through a proxy';
  if (YqcloudError.is(e, 'Timeout')) return timeoutHints[e.phase];
  if (YqcloudError.is(e, 'Network'))
    return e.message.includes('emulator')
      ? 'check your connection and any --proxy'
      : 'check the endpoint, your connection and any --proxy; offline, --emulator answers locally';
  if (YqcloudError.is(e, 'EmptyResponse')) return 'the service may be throttling you; wait and try again';
  return undefined;
};

/**
 * The line printed on stderr for an error: `Kind: message — hint`, the message without the
 * kind it may start with (`blocked: …`, `timeout: …`).
 *
 * @example
 * ```ts
 * describeError(timeoutError('idle', 1000));
 * // 'Timeout: no text for 1000 ms (idle) — raise --idle-timeout (--retries does not retry it)'
 * ```
 */
export const describeError = (e: unknown): string => {
  if (!(e instanceof YqcloudError)) return `unexpected error: ${e instanceof Error ? e.message : String(e)}`;
  const kindPrefix = `${e.kind.toLowerCase()}: `;
  const detail = e.message.startsWith(kindPrefix) ? e.message.slice(kindPrefix.length) : e.message;
  const what = hint(e);
  return `${e.kind}: ${detail}${what === undefined ? '' : ` — ${what}`}`;
};
