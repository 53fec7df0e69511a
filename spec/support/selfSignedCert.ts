/**
 * A self-signed certificate for `localhost` and `127.0.0.1`, made once per test process.
 *
 * @example
 * ```ts
 * const { key, cert } = await selfSignedCert();
 * const server = await startLoopbackServer(handler, { tls: { key, cert } });
 * const provider = new YqcloudProvider({ apiEndpoint: server.endpoint, ca: cert });
 * ```
 */
import selfsigned from 'selfsigned';

/** A private key and its certificate, both PEM. */
export interface Pem {
  readonly key: string;
  readonly cert: string;
}

let made: Promise<Pem> | undefined;

/**
 * The process's certificate (an EC P-256 key, so it is quick to make).
 *
 * @example
 * ```ts
 * const { cert } = await selfSignedCert();
 * ```
 */
export const selfSignedCert = (): Promise<Pem> => {
  made ??= selfsigned
    .generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    })
    .then((pems) => ({ key: pems.private, cert: pems.cert }));
  return made;
};
