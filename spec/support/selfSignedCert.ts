/**
 * Self-signed certificates made once per test process: `selfSignedCert()` for `localhost` and
 * `127.0.0.1`, `certForName(host)` for another name.
 *
 * @example
 * ```ts
 * const { key, cert } = await selfSignedCert();
 * const server = await startLoopbackServer(handler, { tls: { key, cert } });
 * const provider = new YqcloudProvider({ apiEndpoint: server.endpoint, ca: cert });
 * ```
 */
import selfsigned, { type SubjectAltNameEntry } from 'selfsigned';

/** A private key and its certificate, both PEM. */
export interface Pem {
  readonly key: string;
  readonly cert: string;
}

const made = new Map<string, Promise<Pem>>();

/** A self-signed CA certificate (EC P-256, quick to make) for `host` and the given alt names. */
const generate = (host: string, altNames: ReadonlyArray<SubjectAltNameEntry>): Promise<Pem> =>
  selfsigned
    .generate([{ name: 'commonName', value: host }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'subjectAltName', altNames: [...altNames] },
      ],
    })
    .then((pems) => ({ key: pems.private, cert: pems.cert }));

/**
 * The process's certificate for `localhost` and `127.0.0.1`.
 *
 * @example
 * ```ts
 * const { cert } = await selfSignedCert();
 * ```
 */
export const selfSignedCert = (): Promise<Pem> => certForName('localhost');

/**
 * The process's certificate for one DNS name (`localhost` also covers `127.0.0.1`), made once per
 * name: a certificate for another name than the server's checks that the host name is verified.
 *
 * @example
 * ```ts
 * const { cert } = await certForName('elsewhere.invalid');
 * ```
 */
export const certForName = (host: string): Promise<Pem> => {
  const known = made.get(host);
  if (known !== undefined) return known;
  const localhost: ReadonlyArray<SubjectAltNameEntry> = [{ type: 7, ip: '127.0.0.1' }];
  const pem = generate(host, [{ type: 2, value: host }, ...(host === 'localhost' ? localhost : [])]);
  made.set(host, pem);
  return pem;
};
