/**
 * Copies of a {@link YqcloudError} with one thing changed: its message, the attempts that led to
 * it, or its texts redacted. The original is never changed.
 *
 * @module
 */
import { copyError, type YqcloudError } from './error.js';

/**
 * A copy of `e` recording the attempts made (first to last), its message followed by `note`.
 */
export const withAttempts =
  (attempts: ReadonlyArray<YqcloudError>, note: string) =>
  (e: YqcloudError): YqcloudError =>
    copyError(e, { message: `${e.message}${note}`, attempts });

/**
 * A copy of `e` whose message, body and cause's message went through `redact` (for secrets a
 * server echoed); `e` itself when `redact` changes none of them.
 */
export const withRedactedText =
  (redact: (text: string) => string) =>
  (e: YqcloudError): YqcloudError => {
    const { cause, body } = e;
    const unchanged =
      redact(e.message) === e.message &&
      (body === undefined || redact(body) === body) &&
      (!(cause instanceof Error) || redact(cause.message) === cause.message);
    if (unchanged) return e;
    return copyError(e, {
      message: redact(e.message),
      ...(body === undefined ? {} : { body: redact(body) }),
      ...(cause instanceof Error
        ? {
            cause: Object.assign(new Error(redact(cause.message)), {
              name: cause.name,
              code: (cause as { code?: unknown }).code,
            }),
          }
        : {}),
    });
  };

/**
 * A copy of `e` with another message, its kind and fields kept; `e` itself is left as it is.
 */
export const withMessage =
  (message: string) =>
  (e: YqcloudError): YqcloudError =>
    copyError(e, { message });

/** Network failures that say the service could not be reached at all (no DNS, no route, refused). */
const unreachableCodes: ReadonlySet<string> = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ETIMEDOUT',
]);

/**
 * A `Network` error that says the real service could not be reached (offline, no DNS), with what
 * to try instead: the emulator, or another endpoint in `YQCLOUD_API_ENDPOINT`. Any other error as
 * it is.
 */
export const withOfflineHint = (e: YqcloudError): YqcloudError =>
  e.kind === 'Network' && e.code !== undefined && unreachableCodes.has(e.code)
    ? withMessage(
        `${e.message} — the service could not be reached (offline?): try the emulator (\`yqcloud-rx chat --emulator\`, or startEmulator() from yqcloud-rx/emulator) and set YQCLOUD_API_ENDPOINT to its endpoint, or to a mirror you can reach`,
      )(e)
    : e;
