/**
 * The errors of durable replies: the two endings a reader can get that no producer wrote, and
 * why a producer's write was refused.
 *
 * @module
 */
import { networkError, type YqcloudError } from '../../core/error.js';

/**
 * The ending written for a reply whose producer stopped renewing its lease (its instance died or
 * lost the store): `Network` with code `EPRODUCERLOST`, `partialText` the text written so far.
 */
export const producerLost = (partialText: string): YqcloudError => {
  const error = networkError('EPRODUCERLOST', 'the server producing this reply stopped before its end');
  return Object.assign(error, { partialText });
};

/**
 * The ending a reader gets when the store cannot be read any more (Redis unreachable in the
 * middle of a follow): `Network` with code `ESTOREUNAVAILABLE`.
 */
export const storeUnavailable = (): YqcloudError =>
  networkError('ESTOREUNAVAILABLE', 'the reply store is unreachable; the reply cannot be followed further');

/**
 * How a `stopped` ending reaches clients: `Network` with code `ESTOPPED` (each client keeps the
 * text it received as `partialText`).
 */
export const replyStopped = (): YqcloudError => networkError('ESTOPPED', 'the reply was stopped');

/**
 * Why a producer's write was refused.
 */
export type WriteRefusal = 'ended' | 'lease-lost' | 'full' | 'unavailable';

/**
 * A refused write: the reply has ended, the producer's lease is gone, the reply holds its
 * maximum of entries, or the store is unreachable.
 *
 * @example
 * ```ts
 * const producer = await createMemoryReplyLog({ maxEntries: 2 }).open('alice');
 * await producer.append({ type: 'text', text: 'a' });
 * await producer.append({ type: 'text', text: 'b' }).catch((e) => e instanceof ReplyWriteRefused && e.reason === 'full'); // true
 * ```
 */
export class ReplyWriteRefused extends Error {
  readonly reason: WriteRefusal;
  constructor(reason: WriteRefusal) {
    super(`the reply log refused the write (${reason})`);
    this.name = 'ReplyWriteRefused';
    this.reason = reason;
  }
}
