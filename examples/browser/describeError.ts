/**
 * A failure in words a reader of the page understands, with what to do about it. The relay hands
 * on the service's errors with the same kinds, and refuses on its own account with `Http` 401
 * (token) and 403 (origin; a page on such an origin cannot read the refusal, so it sees a failed
 * fetch, `Network`, instead).
 */
import { YqcloudError } from '../../lib/index.js';

const blockedAdvice = {
  'ip-banned':
    "The service has banned this network's IP address (its abuse detection was triggered). Asking again from here will not help: try another network, or a proxy outside the browser.",
  'abnormal-traffic':
    'The service reports abnormal traffic from this network and refused to answer. Change network, then ask again.',
  'html-page':
    'A web page (a gateway or a challenge page) answered instead of the chat service. Open the service in a tab to pass the check, or try later.',
} as const;

/**
 * Explains an error of the chat: what happened, and what the reader can do.
 *
 * @example
 * ```ts
 * describeError(new YqcloudError('Timeout', 'no first chunk', { phase: 'first-chunk', timeoutMs: 15000 }));
 * // 'The service did not start answering within 15 s. …'
 * ```
 */
export const describeError = (e: YqcloudError): string => {
  const kept = e.partialText === '' ? '' : ' The part of the reply that arrived is kept above.';
  if (YqcloudError.is(e, 'Blocked')) return `Blocked: ${blockedAdvice[e.reason]}${kept}`;
  if (YqcloudError.is(e, 'Http') && e.status === 401)
    return `Not authorised (HTTP 401): the relay did not accept this page's token, so nothing was sent to the service. Check the token the page is given, or ask whoever runs the relay for one.${kept}`;
  if (YqcloudError.is(e, 'Http') && e.status === 403)
    return `Refused (HTTP 403): the relay does not serve pages from this origin. Open the page from the address the relay allows.${kept}`;
  if (YqcloudError.is(e, 'Http')) {
    const wait = e.retryAfterMs === undefined ? '' : ` It asked to wait ${Math.ceil(e.retryAfterMs / 1000)} s.`;
    const transient = e.status === 408 || e.status === 425 || e.status === 429 || e.status >= 500;
    return `The service answered with HTTP status ${e.status}.${wait} ${transient ? 'This is usually temporary: ask again in a moment.' : 'Check the endpoint the page talks to.'}${kept}`;
  }
  if (YqcloudError.is(e, 'Network') && e.code === 'EGONE')
    return `The reply could not be continued: the relay no longer has it (it ended a while ago, or the relay restarted).${kept}`;
  if (YqcloudError.is(e, 'Network'))
    return `The relay or the service behind it could not be reached (${e.message}). Check your connection, then ask again.${kept}`;
  if (YqcloudError.is(e, 'Timeout')) {
    const seconds = Math.round(e.timeoutMs / 1000);
    const what =
      e.phase === 'first-chunk'
        ? 'start answering'
        : e.phase === 'idle'
          ? 'send more of the reply'
          : 'finish the reply';
    return `The service did not ${what} within ${seconds} s.${kept} Ask again to retry.`;
  }
  if (YqcloudError.is(e, 'EmptyResponse'))
    return 'The service answered with no text at all; it is often throttling. Wait a little, then ask again.';
  if (YqcloudError.is(e, 'ResponseTooLarge')) return `The reply was longer than the page accepts.${kept}`;
  return `The request was not sent: ${e.message}.`;
};
