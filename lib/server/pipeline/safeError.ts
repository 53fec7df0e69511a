/**
 * What a client is told of a failure, and what the server's log keeps. A client sees the
 * error's kind, its kind's fields and a message the server wrote itself: never a foreign
 * error's message (a provider's `Error('pg connect failed: postgres://…')`), never the
 * service's host and port, never a control character the service sent (terminal escapes). The
 * log gets the detail, with URL credentials and authorization values redacted.
 *
 * @module
 */
import { YqcloudError, type YqcloudErrorArgs } from '../../core/error.js';
import { oneLine as stripControl } from '../../core/controlText.js';
import { redactText } from '../../core/redact.js';

/**
 * One line of the server's log.
 *
 * @example
 * ```ts
 * const entry: ServerLogEntry = { level: 'error', message: 'the reply failed', detail: 'Network ECONNREFUSED: connect ECONNREFUSED 10.0.3.7:443' };
 * ```
 */
export interface ServerLogEntry {
  readonly level: 'warn' | 'error';
  /** What happened, in a sentence. */
  readonly message: string;
  /** The failure's own text (redacted): its kind, code, message and causes. */
  readonly detail?: string | undefined;
}

/**
 * Where the server writes what clients are not told (default: nowhere).
 *
 * @example
 * ```ts
 * const logger: ServerLogger = (entry) => console.error(`[relay] ${entry.level}: ${entry.message} ${entry.detail ?? ''}`);
 * ```
 */
export type ServerLogger = (entry: ServerLogEntry) => void;

const excerptChars = 200;
/** The longest `path` shown (a client's own unknown key may be as long as its body). */
const maxPathChars = 200;
const safeCode = (code: string | undefined): string =>
  code !== undefined && /^[A-Z][A-Z0-9_]{0,39}$/.test(code) ? code : 'ENETWORK';

const networkMessages: Readonly<Record<string, string>> = {
  EPROTO: 'the reply could not be read',
  ETIMEDOUT: 'the connection to the service timed out',
  ECONNREFUSED: 'the service refused the connection',
  ECONNRESET: 'the service reset the connection',
  ENOTFOUND: 'the service’s address could not be resolved',
};

const excerpt = (body: string | undefined): string => stripControl(body ?? '').slice(0, excerptChars);

/**
 * The error a client is shown for any failure: for a `YqcloudError`, its kind and fields with a
 * message of the server's own and body excerpts stripped of control characters (an
 * `InvalidRequest`'s message cut at 500 characters, its `path` at 200); for anything
 * else, `Network` with code `ESERVER` ("the server failed while answering"). `cause` and
 * `attempts` are never passed on.
 */
export const clientError = (e: unknown): YqcloudError => {
  if (!(e instanceof YqcloudError))
    return new YqcloudError('Network', 'network error (ESERVER): the server failed while answering', {
      code: 'ESERVER',
    });
  const partialText = e.partialText;
  const args = ((): YqcloudErrorArgs => {
    switch (e.kind) {
      case 'InvalidRequest':
        return [
          'InvalidRequest',
          stripControl(e.message).slice(0, 500),
          { path: stripControl(e.path ?? '').slice(0, maxPathChars) },
        ];
      case 'Http':
        return [
          'Http',
          e.status === undefined ? 'the service refused the request' : `the service answered HTTP ${e.status}`,
          {
            status: e.status ?? 0,
            body: excerpt(e.body),
            ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
          },
        ];
      case 'Network': {
        const code = safeCode(e.code);
        return [
          'Network',
          `network error (${code}): ${networkMessages[code] ?? 'the service could not be reached'}`,
          { code },
        ];
      }
      case 'Blocked':
        return ['Blocked', stripControl(e.message), { reason: e.reason ?? 'html-page', body: excerpt(e.body) }];
      case 'Timeout':
        return ['Timeout', stripControl(e.message), { phase: e.phase ?? 'total', timeoutMs: e.timeoutMs ?? 0 }];
      case 'EmptyResponse':
        return ['EmptyResponse', stripControl(e.message), { status: e.status ?? 0 }];
      case 'ResponseTooLarge':
        return ['ResponseTooLarge', stripControl(e.message), { limitBytes: e.limitBytes ?? 0 }];
    }
  })();
  const [kind, message, init] = args;
  return new YqcloudError(...([kind, message, { ...init, partialText }] as YqcloudErrorArgs));
};

const describe = (e: unknown, depth = 0): string => {
  if (depth > 3) return '';
  if (e instanceof YqcloudError) {
    const cause = e.cause === undefined ? '' : ` <- ${describe(e.cause, depth + 1)}`;
    return `${e.kind}${e.code === undefined ? '' : ` ${e.code}`}${e.status === undefined ? '' : ` ${e.status}`}: ${e.message}${cause}`;
  }
  if (e instanceof Error) {
    const cause = e.cause === undefined ? '' : ` <- ${describe(e.cause, depth + 1)}`;
    return `${e.name}: ${e.message}${cause}`;
  }
  return typeof e === 'string' ? e : 'a value that is not an error';
};

/**
 * The log entry of a failure: the whole story (kind, code, message, causes), URL credentials
 * and authorization values redacted, control characters stripped, at most 2 000 characters.
 */
export const logEntryOf = (message: string, e: unknown): ServerLogEntry => ({
  level: e instanceof YqcloudError && e.kind === 'InvalidRequest' ? 'warn' : 'error',
  message,
  detail: stripControl(redactText(describe(e))).slice(0, 2000),
});
