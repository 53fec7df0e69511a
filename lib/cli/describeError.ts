/**
 * One readable line per failure, naming its kind.
 *
 * @module
 */
import { YqcloudError, type TimeoutPhase } from '../index.js';

/** What the command was run with, as far as the hints depend on it. */
export interface ErrorContext {
  /** `--retries`, when given. */
  readonly retries?: number | undefined;
}

const timeoutHint = (phase: TimeoutPhase, retries: number): string => {
  if (phase === 'idle') return 'raise --idle-timeout (--retries does not retry it)';
  if (phase === 'total') return 'raise --timeout (--retries does not retry it)';
  return retries === 0
    ? 'raise --first-chunk-timeout, or add --retries'
    : `raise --first-chunk-timeout or --retries (${retries} ${retries === 1 ? 'retry' : 'retries'} timed out too)`;
};

/** What the user of the command can do about an error, when there is something. */
const hint = (e: YqcloudError, context: ErrorContext): string | undefined => {
  if (YqcloudError.is(e, 'Blocked')) return '--proxy <url> sends the request through a proxy';
  if (YqcloudError.is(e, 'Timeout')) return timeoutHint(e.phase, context.retries ?? 0);
  if (YqcloudError.is(e, 'Network'))
    return e.message.includes('emulator')
      ? 'check your connection and any --proxy'
      : 'check the endpoint, your connection and any --proxy; offline, --emulator answers locally';
  if (YqcloudError.is(e, 'EmptyResponse')) return 'the service may be throttling you; wait and try again';
  return undefined;
};

/**
 * The line printed on stderr for an error: `Kind: message — hint`, the message without the
 * kind it may start with (`blocked: …`, `timeout: …`), on one line (OpenSSL's messages end in a
 * line break).
 */
export const describeError = (e: unknown, context: ErrorContext = {}): string => {
  if (!(e instanceof YqcloudError)) return `unexpected error: ${e instanceof Error ? e.message : String(e)}`;
  const kindPrefix = `${e.kind.toLowerCase()}: `;
  const message = e.message.startsWith(kindPrefix) ? e.message.slice(kindPrefix.length) : e.message;
  const detail = message.replace(/\s*\n\s*/g, ' ').trim();
  const what = hint(e, context);
  return `${e.kind}: ${detail}${what === undefined ? '' : ` — ${what}`}`;
};
