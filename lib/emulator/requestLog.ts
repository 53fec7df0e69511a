/**
 * The emulator's log of the requests it received: a bounded window of the most recent ones, so
 * a long-running emulator does not grow without end.
 *
 * @module
 */
import type * as http from 'node:http';
import type { Fault } from './fault.js';
import type { EmulatorPayload } from './payload.js';

/**
 * A request the emulator received.
 *
 * @example
 * ```ts
 * const last: EmulatorRequest | undefined = emulator.requests.at(-1);
 * console.log(last?.payload?.prompt, last?.status);
 * ```
 */
export interface EmulatorRequest {
  readonly method: string;
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed body when it was valid. */
  readonly payload: EmulatorPayload | undefined;
  /** The status the emulator answered (200 also for in-band faults). */
  readonly status: number;
  /** The fault applied to this request, if any. */
  readonly fault: Fault | undefined;
}

/**
 * The most recent requests, oldest first, and a way to add one.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 *
 * const log = createRequestLog(2);
 * createServer((req, res) => {
 *   log.record(req, 404); // GET /a?x=1 → { method: 'GET', path: '/a', status: 404, … }
 *   res.writeHead(404).end();
 * });
 * // After three requests, log.entries holds the last two.
 * ```
 */
export interface RequestLog {
  /** The window itself (the same array throughout), oldest first. */
  readonly entries: ReadonlyArray<EmulatorRequest>;
  /** Adds a request, dropping the oldest past the bound. */
  readonly record: (req: http.IncomingMessage, status: number, payload?: EmulatorPayload, fault?: Fault) => void;
}

const headerRecord = (req: http.IncomingMessage): Record<string, string> =>
  Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]),
  );

/**
 * A log keeping the last `maxRequests` requests.
 *
 * @example
 * ```ts
 * const log = createRequestLog(1000);
 * ```
 */
export const createRequestLog = (maxRequests: number): RequestLog => {
  const entries: Array<EmulatorRequest> = [];
  return {
    entries,
    record: (req, status, payload, fault) => {
      entries.push({
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0] ?? '',
        headers: headerRecord(req),
        payload,
        status,
        fault,
      });
      if (entries.length > maxRequests) entries.splice(0, entries.length - maxRequests);
    },
  };
};
