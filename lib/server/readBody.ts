/**
 * Reading a JSON request body within a byte limit, from `node:http` or a Web `Request`.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { invalidRequest } from '../core/error.js';
import { badRequest, payloadTooLarge, type Refusal } from './refusal.js';

/**
 * The parsed JSON of a body, or why it was refused (400, 413).
 *
 * @example
 * ```ts
 * const read: BodyResult = await readNodeJson(req, 65_536);
 * if (read.type === 'refused') writeRefusal(res, read.refusal);
 * ```
 */
export type BodyResult =
  | { readonly type: 'json'; readonly value: unknown }
  | { readonly type: 'refused'; readonly refusal: Refusal };

/**
 * The default request-body limit: 256 KiB (a long conversation travels in the body).
 *
 * @example
 * ```ts
 * createRelayHandler({ provider, authorize, maxBodyBytes: defaultMaxBodyBytes / 4 });
 * ```
 */
export const defaultMaxBodyBytes = 256 * 1024;

const declaredTooLarge = (contentLength: string | null | undefined, limit: number): boolean =>
  contentLength !== null && contentLength !== undefined && /^\d+$/.test(contentLength) && Number(contentLength) > limit;

/**
 * Parses whole UTF-8 bytes as JSON: the value, or a 400 saying what is wrong.
 *
 * @example
 * ```ts
 * parseJson(new TextEncoder().encode('{"a":1}')); // { type: 'json', value: { a: 1 } }
 * ```
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

/**
 * Reads a `node:http` request's body as JSON, at most `limit` bytes: a declared
 * `content-length` over it is refused unread; a body that grows past it stops being read.
 * Mount it before any body parser (Express's `express.json()` would have read the body).
 *
 * @example
 * ```ts
 * const read = await readNodeJson(req, defaultMaxBodyBytes);
 * ```
 */
export const readNodeJson = (req: IncomingMessage, limit: number): Promise<BodyResult> =>
  new Promise((resolve) => {
    if (declaredTooLarge(req.headers['content-length'], limit))
      return resolve({ type: 'refused', refusal: payloadTooLarge(limit) });
    const pieces: Array<Buffer> = [];
    let size = 0;
    const settle = (result: BodyResult): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      resolve(result);
    };
    const onData = (piece: Buffer): void => {
      size += piece.length;
      if (size > limit) {
        req.pause();
        settle({ type: 'refused', refusal: payloadTooLarge(limit) });
      } else pieces.push(piece);
    };
    const onEnd = (): void => settle(parseJson(Buffer.concat(pieces)));
    const onError = (): void =>
      settle({ type: 'refused', refusal: badRequest(invalidRequest('', 'the request body could not be read')) });
    const onClose = (): void => {
      if (!req.complete) onError();
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });

/**
 * Reads a Web `Request`'s body as JSON, at most `limit` bytes (the rest is cancelled unread).
 *
 * @example
 * ```ts
 * const read = await readWebJson(request, defaultMaxBodyBytes);
 * ```
 */
export const readWebJson = async (request: Request, limit: number): Promise<BodyResult> => {
  if (declaredTooLarge(request.headers.get('content-length'), limit))
    return { type: 'refused', refusal: payloadTooLarge(limit) };
  if (request.body === null) return parseJson(new Uint8Array());
  const reader = request.body.getReader();
  const pieces: Array<Uint8Array> = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        void reader.cancel().catch(() => {});
        return { type: 'refused', refusal: payloadTooLarge(limit) };
      }
      pieces.push(value);
    }
  } catch {
    return { type: 'refused', refusal: badRequest(invalidRequest('', 'the request body could not be read')) };
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const piece of pieces) {
    bytes.set(piece, at);
    at += piece.byteLength;
  }
  return parseJson(bytes);
};
