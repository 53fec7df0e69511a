/**
 * Letting go of a source because the reply failed, not because its consumer left: an operator
 * that fails a reply (a missed deadline, a reply too large) unsubscribes its source through
 * {@link unsubscribeFailed}, and the watchers upstream of it (the provider's telemetry and
 * diagnostics channels, `withTelemetry`) record the reply as failed with that error instead of
 * cancelled. Unsubscription carries no reason in RxJS: the reason is known for the duration of
 * the synchronous `unsubscribe` call only.
 *
 * @module
 */
import type { Unsubscribable } from 'rxjs';

let current: { readonly error: unknown } | undefined;

/**
 * Unsubscribes `subscription` because the reply failed with `error` (which the operator then
 * sends downstream itself).
 */
export const unsubscribeFailed = (subscription: Unsubscribable, error: unknown): void => {
  const outer = current;
  current = { error };
  try {
    subscription.unsubscribe();
  } finally {
    current = outer;
  }
};

/**
 * The failure the unsubscription under way is for, or `undefined` when it is a consumer's
 * (a cancellation).
 */
export const failureOfUnsubscription = (): { readonly error: unknown } | undefined => current;
