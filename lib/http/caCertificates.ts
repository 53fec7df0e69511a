/**
 * Checking an extra trusted CA before it is handed to TLS: every PEM block must be a
 * certificate that parses as X.509, so a private key, random bytes or a bogus block fail as
 * `InvalidRequest` before any connection, not later as a misleading TLS error.
 *
 * @module
 */
import type * as Crypto from 'node:crypto';
import * as E from '#fp-ts/Either.js';
import { invalidRequest, type YqcloudError } from '../core/error.js';
import { lazyBuiltin } from './builtin.js';

const crypto = lazyBuiltin<typeof Crypto>('node:crypto');

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * The CA as PEM text when every block of it is an X.509 certificate (at least one), else an
 * `InvalidRequest` error at path `ca` that says what was found.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 *
 * checkCaCertificates(readFileSync('ca.pem')); // right('-----BEGIN CERTIFICATE-----\n…')
 * checkCaCertificates('trust me'); // left(InvalidRequest 'ca: expected PEM certificates (…), found none')
 * ```
 */
export const checkCaCertificates = (ca: string | Uint8Array): E.Either<YqcloudError, string> => {
  const text = typeof ca === 'string' ? ca : Buffer.from(ca).toString('utf8');
  const blocks = [...text.matchAll(pemBlock)];
  if (blocks.length === 0)
    return E.left(invalidRequest('ca', 'expected PEM certificates (-----BEGIN CERTIFICATE-----), found none'));
  for (const [index, block] of blocks.entries()) {
    const label = block[1] ?? '';
    if (label !== 'CERTIFICATE')
      return E.left(invalidRequest('ca', `PEM block ${index + 1} is a ${label}, not a CERTIFICATE`));
    try {
      new (crypto().X509Certificate)(block[0]);
    } catch {
      return E.left(invalidRequest('ca', `PEM block ${index + 1} does not parse as an X.509 certificate`));
    }
  }
  return E.right(text);
};
