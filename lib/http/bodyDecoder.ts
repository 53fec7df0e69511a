/**
 * Decoding a compressed response body (`content-encoding` gzip, x-gzip, deflate, br; compress
 * as axios reads it) as it arrives, so that a body cut short is an error instead of a reply that
 * silently lost its end: each piece is flushed at once (text streams as before), and the end of
 * the body is a full finish, which fails on an incomplete stream.
 *
 * @module
 */
import * as zlib from 'node:zlib';

/**
 * A decompressor for one body.
 *
 * @example
 * ```ts
 * const decoder = bodyDecoder('gzip'); // a zlib Transform, or undefined for identity
 * ```
 */
export type BodyDecoder = zlib.Gunzip | zlib.Unzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress;

/**
 * Whether a `content-encoding` is one the transport decodes.
 *
 * @example
 * ```ts
 * isDecodedEncoding('GZIP'); // true
 * isDecodedEncoding('identity'); // false
 * ```
 */
export const isDecodedEncoding = (encoding: string | undefined): boolean =>
  encoding !== undefined &&
  ['gzip', 'x-gzip', 'compress', 'x-compress', 'deflate', 'br'].includes(encoding.trim().toLowerCase());

/**
 * The decompressor for a `content-encoding`, given the body's first bytes (a `deflate` body may
 * be zlib-wrapped, as RFC 9110 says, or raw, as some servers send it); `undefined` for anything
 * not decoded ({@link isDecodedEncoding}).
 *
 * @example
 * ```ts
 * bodyDecoder('deflate', firstPiece)?.write(firstPiece);
 * ```
 */
export const bodyDecoder = (encoding: string | undefined, first: Uint8Array): BodyDecoder | undefined => {
  const zlibFlush = { flush: zlib.constants.Z_SYNC_FLUSH };
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip(zlibFlush);
    // As axios reads them: gzip or zlib data, whichever the header of the stream says.
    case 'compress':
    case 'x-compress':
      return zlib.createUnzip(zlibFlush);
    case 'deflate':
      return ((first[0] ?? 0) & 0x0f) === 0x08 ? zlib.createInflate(zlibFlush) : zlib.createInflateRaw(zlibFlush);
    case 'br':
      return zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH });
    default:
      return undefined;
  }
};
