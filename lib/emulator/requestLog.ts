/**
 * The emulator's log of the requests it received: a bounded window of the most recent ones,
 * bounded in count and in characters (a long prompt is kept cut), so a long-running emulator
 * does not grow without end.
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

/** The most characters of a prompt or a system message one entry keeps. */
const maxTextChars = 64 * 1024;

const keptPayload = (payload: EmulatorPayload | undefined): EmulatorPayload | undefined =>
  payload === undefined || (payload.prompt.length <= maxTextChars && payload.system.length <= maxTextChars)
    ? payload
    : { ...payload, prompt: payload.prompt.slice(0, maxTextChars), system: payload.system.slice(0, maxTextChars) };

const sizeOf = (entry: EmulatorRequest): number =>
  entry.path.length +
  Object.entries(entry.headers).reduce((sum, [name, value]) => sum + name.length + value.length, 0) +
  (entry.payload === undefined
    ? 0
    : entry.payload.prompt.length + entry.payload.system.length + entry.payload.userId.length);

/**
 * A log keeping the last `maxRequests` requests, and within `maxChars` characters in all
 * (default 8 Mi): a prompt or system message longer than 64 Ki characters is kept cut to it.
 *
 * @example
 * ```ts
 * const log = createRequestLog(1000, 4 * 1024 * 1024);
 * ```
 */
export const createRequestLog = (maxRequests: number, maxChars = 8 * 1024 * 1024): RequestLog => {
  const entries: Array<EmulatorRequest> = [];
  const sizes: Array<number> = [];
  let total = 0;
  return {
    entries,
    record: (req, status, payload, fault) => {
      const entry: EmulatorRequest = {
        method: req.method ?? '',
        path: ((req.url ?? '').split('?')[0] ?? '').slice(0, maxTextChars),
        headers: headerRecord(req),
        payload: keptPayload(payload),
        status,
        fault,
      };
      const size = sizeOf(entry);
      entries.push(entry);
      sizes.push(size);
      total += size;
      while (entries.length > 1 && (entries.length > maxRequests || total > maxChars)) {
        entries.shift();
        total -= sizes.shift() ?? 0;
      }
    },
  };
};
