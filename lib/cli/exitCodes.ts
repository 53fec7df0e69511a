/**
 * The command line's exit codes: one per error kind, so scripts can react to each.
 *
 * @module
 */
import type { ErrorKind } from '../index.js';

/**
 * The exit code for each outcome.
 */
export const exitCodes = {
  ok: 0,
  unexpected: 1,
  InvalidRequest: 2,
  Http: 3,
  Network: 4,
  Blocked: 5,
  Timeout: 6,
  EmptyResponse: 7,
  ResponseTooLarge: 8,
  interrupted: 130,
} as const satisfies Readonly<Record<ErrorKind | 'ok' | 'unexpected' | 'interrupted', number>>;

/**
 * The exit codes as the help text lists them.
 */
export const exitCodeTable = (): string =>
  [
    [exitCodes.ok, 'the reply finished'],
    [exitCodes.unexpected, 'an unexpected failure'],
    [
      exitCodes.InvalidRequest,
      'InvalidRequest: bad arguments, prompt, proxy URL or conversation file (nothing was sent)',
    ],
    [exitCodes.Http, 'Http: the service answered with an HTTP error status'],
    [exitCodes.Network, 'Network: DNS, connection refused or reset, TLS, proxy'],
    [exitCodes.Blocked, 'Blocked: the service refused this network (IP ban, abnormal traffic, HTML page)'],
    [exitCodes.Timeout, 'Timeout: --first-chunk-timeout, --idle-timeout or --timeout passed'],
    [exitCodes.EmptyResponse, 'EmptyResponse: the service answered with no text'],
    [exitCodes.ResponseTooLarge, 'ResponseTooLarge: the reply passed the size limit'],
    [exitCodes.interrupted, 'interrupted by Ctrl-C (SIGINT)'],
  ]
    .map(([code, text]) => `  ${String(code).padStart(3)}  ${text}`)
    .join('\n');
