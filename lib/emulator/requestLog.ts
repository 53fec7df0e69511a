/**
 * The emulator's log of the requests it received: a bounded window of the most recent ones, by
 * count and by bytes (the last one is always kept), so a long-running emulator does not grow
 * without end, even with large prompts.
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
 * The default bound on the bytes a request log keeps: 16 MiB.
 */
export const defaultMaxRequestLogBytes = 16 * 1024 * 1024;

/** The memory an entry's strings take, two bytes per UTF-16 code unit (an upper bound). */
const entryBytes = (entry: EmulatorRequest): number => {
  let chars = entry.method.length + entry.path.length;
  for (const [name, value] of Object.entries(entry.headers)) chars += name.length + value.length;
  if (entry.payload !== undefined)
    chars += entry.payload.prompt.length + entry.payload.system.length + entry.payload.userId.length;
  return 2 * chars;
};

/**
 * A log keeping the last `maxRequests` requests, and no more than `maxBytes` of them but the
 * last one.
 */
export const createRequestLog = (maxRequests: number, maxBytes: number = defaultMaxRequestLogBytes): RequestLog => {
  const entries: Array<EmulatorRequest> = [];
  const sizes: Array<number> = [];
  let total = 0;
  return {
    entries,
    record: (req, status, payload, fault) => {
      const entry: EmulatorRequest = {
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0] ?? '',
        headers: headerRecord(req),
        payload,
        status,
        fault,
      };
      const size = entryBytes(entry);
      entries.push(entry);
      sizes.push(size);
      total += size;
      let drop = 0;
      while (entries.length - drop > 1 && (entries.length - drop > maxRequests || total > maxBytes)) {
        total -= sizes[drop] ?? 0;
        drop++;
      }
      if (drop > 0) {
        entries.splice(0, drop);
        sizes.splice(0, drop);
      }
    },
  };
};
