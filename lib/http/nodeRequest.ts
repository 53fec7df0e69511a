/**
 * Starting a `node:http`/`node:https` request with nothing read through `Object.prototype`.
 * Node copies request options into a plain object (`Object.assign({}, options)` in
 * `ClientRequest`, `tls.connect`'s defaults), so a key left out would be read through the
 * prototype there: a polluted `Object.prototype.setHost`, `auth`, `socketPath`, `lookup`,
 * `localAddress` or `ca` would change the request or whom it trusts.
 *
 * @module
 */
import * as http from 'node:http';
import type * as Https from 'node:https';
import { lazyBuiltin } from './builtin.js';

const https = lazyBuiltin<typeof Https>('node:https');

/**
 * Keys that `ClientRequest`, the agents, `net` and `tls` read from the plain copies they make of
 * an https request's options; own `undefined` means Node's default.
 */
const defaultedKeys: ReadonlyArray<string> = [
  // ClientRequest and Agent
  'auth',
  'createConnection',
  'defaultPort',
  'host',
  'socketPath',
  'timeout',
  'signal',
  'maxHeaderSize',
  'insecureHTTPParser',
  'joinDuplicateHeaders',
  'uniqueHeaders',
  'localAddress',
  'localPort',
  'family',
  'hints',
  'lookup',
  'noDelay',
  'keepAliveInitialDelay',
  'autoSelectFamily',
  'autoSelectFamilyAttemptTimeout',
  // net
  'fd',
  'handle',
  'allowHalfOpen',
  'onread',
  // tls: whom the connection trusts, and how
  'servername',
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'ciphers',
  'minVersion',
  'maxVersion',
  'secureProtocol',
  'secureOptions',
  'secureContext',
  'crl',
  'ecdhCurve',
  'sigalgs',
  'dhparam',
  'honorCipherOrder',
  'sessionIdContext',
  'clientCertEngine',
  'privateKeyEngine',
  'privateKeyIdentifier',
  'session',
  'ALPNProtocols',
  'enableTrace',
  'pskCallback',
  'requestOCSP',
];

const secureTemplate: Readonly<Record<string, unknown>> = (() => {
  const options = Object.create(null) as Record<string, unknown>;
  for (const key of defaultedKeys) options[key] = undefined;
  options.setHost = true;
  options.rejectUnauthorized = true;
  return options;
})();

/**
 * Any URL: `http.request(url, options)` starts from `urlToHttpOptions(url)`, an object with no
 * prototype, and copies `options`' own keys over it (the request's protocol, host, port and path
 * among them), so every key Node reads afterwards is the request's own or absent. Node tells a
 * URL by its `auth` and `path` being `undefined`: as own properties here, a polluted
 * `Object.prototype.auth` or `.path` cannot make it mistake this URL for something else.
 */
const plainBase: URL = Object.assign(new URL('http://localhost/'), { auth: undefined, path: undefined });

/**
 * `http.request(options, callback)` (or `https.request` when `options.protocol` is `https:`)
 * with only `options`' own keys in effect: for https, every other key Node, its agents, `net` and
 * `tls` read is given as an own property (`undefined`, `setHost: true`, `rejectUnauthorized:
 * true`; an agent's own options, such as a pool's extra CA, still apply over these).
 *
 * @example
 * ```ts
 * Object.defineProperty(Object.prototype, 'setHost', { value: false, configurable: true });
 * nodeRequest({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 8080, path: '/' }).end('{}');
 * // sends its Host header all the same
 * ```
 */
export const nodeRequest = (
  options: http.RequestOptions,
  callback?: (response: http.IncomingMessage) => void,
): http.ClientRequest =>
  options.protocol === 'https:'
    ? https().request(Object.assign(Object.create(null) as Record<string, unknown>, secureTemplate, options), callback)
    : http.request(plainBase, options, callback);
