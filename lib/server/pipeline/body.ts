/**
 * Reading a JSON request body within a byte limit and a deadline, from `node:http` or a Web
 * `Request`. A body past its limit or its deadline stops being read at once.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { SchedulerLike } from 'rxjs';
import { invalidRequest } from '../../core/error.js';
import { badRequest, payloadTooLarge, requestTimeout, type Refusal } from './refusal.js';

/**
 * The parsed JSON of a body, or why it was refused (400, 408, 413).
 */
export type BodyResult =
  | { readonly type: 'json'; readonly value: unknown }
  | { readonly type: 'refused'; readonly refusal: Refusal };

/**
 * How a body is read: at most `limitBytes`, all of it within `timeoutMs` on `scheduler`.
 */
export interface BodyLimits {
  readonly limitBytes: number;
  readonly timeoutMs: number;
  readonly scheduler: SchedulerLike;
}

/**
 * Parses whole UTF-8 bytes as JSON: the value, or a 400 saying what is wrong.
 */
export const parseJson = (bytes: Uint8Array): BodyResult => {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { type: 'refused', refusal: badRequest(invalidRequest('', 'the request body is not UTF-8')) };
  }
  try {
    return { type: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { type: 'refused', refusal: badRequest(invalidRequest('', 'the request body is not JSON')) };
  }
};

const unreadable = (): BodyResult => ({
  type: 'refused',
  refusal: badRequest(invalidRequest('', 'the request body could not be read')),
});

/**
 * Reads a `node:http` request's body as JSON. Past the limit or the deadline the request is
 * paused (nothing more is read) and refused; the caller closes the connection.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 *
 * createServer(async (req, res) => {
 *   const read = await readNodeBody(req, { limitBytes: 65_536, timeoutMs: 20_000, scheduler: asyncScheduler });
 *   res.writeHead(read.type === 'json' ? 200 : read.refusal.status).end();
 * });
 * ```
 */
export const readNodeBody = (req: IncomingMessage, limits: BodyLimits): Promise<BodyResult> =>
  new Promise((resolve) => {
    const pieces: Array<Buffer> = [];
    let size = 0;
    const settle = (result: BodyResult): void => {
      deadline.unsubscribe();
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (result.type === 'refused') req.pause();
      resolve(result);
    };
    const onData = (piece: Buffer): void => {
      size += piece.length;
      if (size > limits.limitBytes) settle({ type: 'refused', refusal: payloadTooLarge(limits.limitBytes) });
      else pieces.push(piece);
    };
    const onEnd = (): void => settle(parseJson(Buffer.concat(pieces)));
    const onError = (): void => settle(unreadable());
    const onClose = (): void => {
      if (!req.complete) onError();
    };
    const deadline = limits.scheduler.schedule(
      () => settle({ type: 'refused', refusal: requestTimeout(limits.timeoutMs) }),
      limits.timeoutMs,
    );
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });

/**
 * Reads a Web `Request`'s body as JSON; past the limit or the deadline the rest is cancelled
 * unread.
 *
 * @example
 * ```ts
 * export const POST = async (request: Request): Promise<Response> => {
 *   const read = await readWebBody(request, { limitBytes: 65_536, timeoutMs: 20_000, scheduler: asyncScheduler });
 *   return read.type === 'json' ? Response.json(read.value) : new Response(null, { status: read.refusal.status });
 * };
 * ```
 */
export const readWebBody = async (request: Request, limits: BodyLimits): Promise<BodyResult> => {
  if (request.body === null) return parseJson(new Uint8Array());
  const reader = request.body.getReader();
  const pieces: Array<Uint8Array> = [];
  let size = 0;
  let timedOut = false;
  const deadline = limits.scheduler.schedule(() => {
    timedOut = true;
    void reader.cancel().catch(() => {});
  }, limits.timeoutMs);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (timedOut) return { type: 'refused', refusal: requestTimeout(limits.timeoutMs) };
      if (done) break;
      size += value.byteLength;
      if (size > limits.limitBytes) {
        void reader.cancel().catch(() => {});
        return { type: 'refused', refusal: payloadTooLarge(limits.limitBytes) };
      }
      pieces.push(value);
    }
  } catch {
    return timedOut ? { type: 'refused', refusal: requestTimeout(limits.timeoutMs) } : unreadable();
  } finally {
    deadline.unsubscribe();
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const piece of pieces) {
    bytes.set(piece, at);
    at += piece.byteLength;
  }
  return parseJson(bytes);
};
