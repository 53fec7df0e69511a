/**
 * One access-log entry per request: which route, the status, how long, the error kind if any,
 * and a hash of the client's identity. Never the prompt, the reply, a token or a secret: the
 * identity itself (a user name, a token's digest, an address) is only ever written hashed.
 *
 * @module
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { ErrorKind } from '../../index.js';

/**
 * What the access log is told of one request.
 *
 * @example
 * ```ts
 * const entry: AccessLogEntry = { route: 'openai.completions', method: 'POST', status: 200, durationMs: 812, client: '5d41402abc4b2a76' };
 * ```
 */
export interface AccessLogEntry {
  /** The route's name (`relay`, `openai.completions`, `openai.models`, `ui-message-stream`, …). */
  readonly route: string;
  readonly method: string;
  /** The status sent (a stream that failed after its head keeps its 200, with `errorKind`). */
  readonly status: number;
  /** From the request's arrival to the answer's end (or the client leaving). */
  readonly durationMs: number;
  /** The kind of the failure the client was told of, if any (a refusal's too). */
  readonly errorKind?: ErrorKind | undefined;
  /** The client identity `authorize` verified, as a keyed hash (HMAC-SHA-256 under this process's key, 16 hex digits); absent when refused before. */
  readonly client?: string | undefined;
}

/**
 * Where access-log entries go (`serve` writes {@link accessLogLine} to stdout).
 *
 * @example
 * ```ts
 * const accessLog: AccessLogger = (entry) => process.stderr.write(`${accessLogLine(entry)}\n`);
 * ```
 */
export type AccessLogger = (entry: AccessLogEntry) => void;

/**
 * A fresh key for {@link clientHash} (32 random bytes).
 */
export const randomHashKey = (): Uint8Array => randomBytes(32);

/** The key of this process: hashes are comparable across every handler of one process. */
const processKey = randomHashKey();

/**
 * A keyed hash of an identity, 16 hex digits: the same client gets the same hash under one key
 * (by default this process's), and nobody without the key can test a guess (a user name, a
 * short token) against the log.
 */
export const clientHash = (identity: string, key: Uint8Array = processKey): string =>
  createHmac('sha256', key).update(identity).digest('hex').slice(0, 16);

/**
 * The entry as one line of `key=value` fields (logfmt), values that cannot hold a space or a
 * control character: the route name is the route's, never the client's path.
 *
 * @example
 * ```ts
 * accessLogLine({ route: 'openai.completions', method: 'POST', status: 404, durationMs: 3.4, errorKind: 'InvalidRequest', client: '5d41402abc4b2a76' });
 * // 'access route=openai.completions method=POST status=404 ms=3 error=InvalidRequest client=5d41402abc4b2a76'
 * ```
 */
export const accessLogLine = (entry: AccessLogEntry): string =>
  [
    'access',
    `route=${safe(entry.route)}`,
    `method=${safe(entry.method)}`,
    `status=${Math.trunc(entry.status)}`,
    `ms=${Math.round(entry.durationMs)}`,
    `error=${entry.errorKind ?? '-'}`,
    `client=${entry.client === undefined ? '-' : safe(entry.client)}`,
  ].join(' ');

/** Letters, digits and `._-` only, at most 40 characters. */
const safe = (value: string): string => value.replace(/[^\w.-]/g, '_').slice(0, 40) || '-';
