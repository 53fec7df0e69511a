/**
 * Failures below the provider (sockets, DNS, TLS, proxies) as `Network` errors.
 *
 * @module
 */
import { networkError, YqcloudError } from '../core/error.js';
import { redactUrlsIn } from '../core/redact.js';

const rootCause = (e: unknown): unknown => {
  let current = e;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++)
    current = current.cause;
  return current;
};

const codeOf = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
};

/** A system error code named in a message, for errors that lost their `code` (SOCKS ones do). */
const codeInMessage = (e: unknown): string | undefined =>
  e instanceof Error ? /\b(E[A-Z]{3,}[A-Z_]*)\b/.exec(e.message)?.[1] : undefined;

/**
 * Any failure below the provider, as a `Network` error whose message and `cause` hold no
 * credentials (axios errors carry their config, agents included, so they are not kept).
 */
export const toNetworkError = (e: unknown): YqcloudError => {
  if (e instanceof YqcloudError) return e;
  const root = rootCause(e);
  const code = codeOf(root) ?? codeInMessage(root) ?? codeOf(e) ?? 'ERR_NETWORK';
  const text = redactUrlsIn(
    root instanceof Error && root.message !== '' ? root.message : e instanceof Error ? e.message : String(e),
  );
  const cause = Object.assign(new Error(text), { name: root instanceof Error ? root.name : 'Error', code });
  return networkError(code, text, cause);
};
