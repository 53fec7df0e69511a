/**
 * The options object a request hands to `node:http`/`node:https`, with nothing left to
 * `Object.prototype`. Node copies request options into plain objects (`Object.assign({}, …)`,
 * `tls.connect`'s defaults), so a key the caller leaves out is read through the prototype there:
 * a polluted `Object.prototype.setHost`, `auth`, `socketPath`, `localAddress` or `ca` would change
 * the request or whom it trusts. Every key Node, its agents and `tls`/`net` read is therefore given
 * here, as its own property (`undefined` where the default applies).
 *
 * @module
 */
import type * as http from 'node:http';

/** Keys read downstream whose own `undefined` means Node's default. */
const defaultedKeys: ReadonlyArray<string> = [
  // node:http's ClientRequest and Agent
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
  // node:net
  'fd',
  'handle',
  'allowHalfOpen',
  'onread',
  // node:tls (whom the connection trusts and how)
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

const template: Readonly<Record<string, unknown>> = (() => {
  const options = Object.create(null) as Record<string, unknown>;
  for (const key of defaultedKeys) options[key] = undefined;
  options.setHost = true;
  options.rejectUnauthorized = true;
  return options;
})();

/**
 * A copy of `given`'s own keys over an object with no prototype in which every other key Node
 * reads is an own property: `undefined` (Node's default), `setHost: true` and
 * `rejectUnauthorized: true` (an agent's own options, such as a pool's extra CA, still apply over
 * these; `tls` fills in its own defaults for the rest).
 *
 * @example
 * ```ts
 * import * as http from 'node:http';
 *
 * Object.defineProperty(Object.prototype, 'setHost', { value: false, configurable: true });
 * http.request(ownRequestOptions({ method: 'POST', hostname: '127.0.0.1', port: 8080, path: '/' }));
 * // sends its Host header all the same
 * ```
 */
export const ownRequestOptions = (given: http.RequestOptions): http.RequestOptions =>
  Object.assign(Object.create(null) as Record<string, unknown>, template, given) as http.RequestOptions;
