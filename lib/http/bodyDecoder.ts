/**
 * Decoding a compressed response body (`content-encoding` gzip, x-gzip, deflate, br; compress
 * as axios reads it) as it arrives, so that a body cut short is an error instead of a reply that
 * silently lost its end: each piece is flushed at once (text streams as before), and the end of
 * the body is a full finish, which fails on an incomplete stream.
 *
 * @module
 */
import type * as Zlib from 'node:zlib';
import { lazyBuiltin } from './builtin.js';

const loadZlib = lazyBuiltin<typeof Zlib>('node:zlib');

/**
 * A decompressor for one body.
 */
export type BodyDecoder = Zlib.Gunzip | Zlib.Unzip | Zlib.Inflate | Zlib.InflateRaw | Zlib.BrotliDecompress;

/**
 * Whether a `content-encoding` is one the transport decodes.
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
 * import { deflateRawSync, deflateSync } from 'node:zlib';
 *
 * bodyDecoder('deflate', deflateSync('Hi')); // an Inflate: the body starts with a zlib header
 * bodyDecoder('deflate', deflateRawSync('Hi')); // an InflateRaw
 * bodyDecoder('identity', new Uint8Array()); // undefined
 * const body = deflateRawSync('Hello');
 * bodyDecoder('deflate', body)?.on('data', (text: Buffer) => console.log(String(text))).end(body); // 'Hello'
 * ```
 */
export const bodyDecoder = (encoding: string | undefined, first: Uint8Array): BodyDecoder | undefined => {
  const zlib = loadZlib();
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
