/**
 * Debug logging of requests, around any transport: the method and URL when it is sent, the
 * status and time to the response head, then the time and byte count at the end, a failure's
 * kind, or a cancellation. Never a body, a header or a secret: the URL is logged without its
 * credentials and without its query string.
 *
 * @module
 */
import { Observable } from '#rx';
import type { Transport } from './transport.js';

/**
 * Where debug lines go; `console` is one.
 *
 * @example
 * ```ts
 * const lines: Array<string> = [];
 * const logger: Logger = { debug: (message) => lines.push(message) };
 * ```
 */
export interface Logger {
  /** One line, and its figures for structured loggers. */
  readonly debug: (message: string, details: LogDetails) => void;
}

/**
 * The figures of one log line.
 *
 * @example
 * ```ts
 * const details: LogDetails = { method: 'POST', url: 'http://127.0.0.1:8080/api/generateStream', status: 200, ms: 12 };
 * ```
 */
export interface LogDetails {
  readonly method: string;
  readonly url: string;
  readonly status?: number;
  readonly ms?: number;
  readonly bytes?: number;
  readonly error?: string;
}

/**
 * A URL as it may be logged: no user or password, no query string or fragment.
 */
export const loggableUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}${parsed.search === '' && parsed.hash === '' ? '' : '?…'}`;
  } catch {
    return '(not a URL)';
  }
};

/** What a failure may say in a log line: its name, kind and code, never its message. */
const describeFailure = (error: unknown): string => {
  if (typeof error !== 'object' || error === null) return typeof error;
  const { name, kind, code } = error as { name?: unknown; kind?: unknown; code?: unknown };
  return [name, kind, code].filter((part) => typeof part === 'string' || typeof part === 'number').join(' ');
};

/**
 * `transport` with each request logged to `logger` (see the module comment).
 */
export const withLogging =
  (transport: Transport, logger: Logger, now: () => number = () => performance.now()): Transport =>
  (request) =>
    new Observable((subscriber) => {
      const base = { method: request.method, url: loggableUrl(request.url) };
      const started = now();
      const elapsed = (): number => Math.round(now() - started);
      const log = (message: string, details: Omit<LogDetails, 'method' | 'url'> = {}): void => {
        try {
          logger.debug(`yqcloud-rx: ${base.method} ${base.url} ${message}`, { ...base, ...details });
        } catch {
          // a logger that throws does not break the reply
        }
      };
      let status: number | undefined;
      let bytes = 0;
      let settled = false;
      log('sent');
      const subscription = transport(request).subscribe({
        next: (event) => {
          if (event.type === 'head') {
            status = event.status;
            log(`${event.status} after ${elapsed()} ms`, { status, ms: elapsed() });
          } else bytes += typeof event.data === 'string' ? event.data.length : event.data.byteLength;
          subscriber.next(event);
        },
        error: (error: unknown) => {
          settled = true;
          const failure = describeFailure(error);
          log(`failed after ${elapsed()} ms: ${failure}`, {
            ...(status === undefined ? {} : { status }),
            ms: elapsed(),
            bytes,
            error: failure,
          });
          subscriber.error(error);
        },
        complete: () => {
          settled = true;
          log(`done in ${elapsed()} ms, ${bytes} bytes`, {
            ...(status === undefined ? {} : { status }),
            ms: elapsed(),
            bytes,
          });
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        if (!settled) log(`cancelled after ${elapsed()} ms`, { ms: elapsed(), bytes });
      };
    });
