/**
 * Starting a `node:http`/`node:https` request with nothing read through `Object.prototype`.
 * Node copies options into plain objects before reading them (`ClientRequest` when it is given
 * no URL, `net.Socket`, `tls.connect`), so a key left out would be read through the prototype
 * there: a polluted `Object.prototype.setHost`, `auth`, `socketPath`, `localAddress`, `signal` or
 * `ca` would change the request, its socket or whom it trusts. The request's own options are kept
 * in objects with no prototype (see {@link nodeRequest}); a connection's, which are copied once per
 * connection rather than per request, get every key Node reads as an own property (see
 * {@link ownSocketOptions}).
 *
 * @module
 */
import * as http from 'node:http';
import type * as Https from 'node:https';
import { lazyBuiltin } from './builtin.js';

const https = lazyBuiltin<typeof Https>('node:https');

/** Keys `ClientRequest` reads (for an https request made without an agent of ours). */
const requestKeys: ReadonlyArray<string> = [
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
  'lookup',
];

/** Keys `net.connect`, `net.Socket` and the stream constructors read from a socket's options. */
const socketKeys: ReadonlyArray<string> = [
  'allowHalfOpen',
  'autoDestroy',
  'autoSelectFamily',
  'autoSelectFamilyAttemptTimeout',
  'blockList',
  'construct',
  'decodeStrings',
  'defaultEncoding',
  'destroy',
  'emitClose',
  'family',
  'fd',
  'final',
  'handle',
  'highWaterMark',
  'hints',
  'localAddress',
  'localPort',
  'lookup',
  'manualStart',
  'objectMode',
  'onread',
  'pauseOnCreate',
  'read',
  'readable',
  'readableHighWaterMark',
  'readableObjectMode',
  'signal',
  'timeout',
  'writable',
  'writableHighWaterMark',
  'writableObjectMode',
  'write',
  'writev',
];

/**
 * Keys `tls.connect` reads: whom the connection trusts, and how (`checkServerIdentity` and
 * `minDHSize` are not here: `tls.connect` gives them its own defaults).
 */
const tlsKeys: ReadonlyArray<string> = [
  'ALPNProtocols',
  'ca',
  'cert',
  'ciphers',
  'clientCertEngine',
  'crl',
  'dhparam',
  'ecdhCurve',
  'enableTrace',
  'honorCipherOrder',
  'key',
  'maxVersion',
  'minVersion',
  'passphrase',
  'pfx',
  'privateKeyEngine',
  'privateKeyIdentifier',
  'pskCallback',
  'requestOCSP',
  'secureContext',
  'secureOptions',
  'secureProtocol',
  'servername',
  'session',
  'sessionIdContext',
  'sigalgs',
];

const templateOf = (keys: ReadonlyArray<string>): Readonly<Record<string, unknown>> => {
  const template = Object.create(null) as Record<string, unknown>;
  for (const key of keys) template[key] = undefined;
  template.rejectUnauthorized = true;
  return template;
};

const socketTemplate = templateOf([...socketKeys, ...tlsKeys]);
const secureRequestTemplate = templateOf([...requestKeys, ...socketKeys, ...tlsKeys]);

/**
 * Any URL: `http.request(url, options)` starts from `urlToHttpOptions(url)`, an object with no
 * prototype, and copies `options`' own keys over it (the request's protocol, host, port, path and
 * agent among them), so every key `ClientRequest` reads is the request's own or absent. Node tells a
 * URL by its `auth` and `path` being `undefined`: as own properties here, a polluted
 * `Object.prototype.auth` or `.path` cannot make it mistake this URL for something else.
 */
const plainBase: URL = Object.assign(new URL('http://localhost/'), { auth: undefined, path: undefined });

/**
 * `http.request(options, callback)` (an https one when `options.protocol` is `https:`) with only
 * `options`' own keys in effect: an http request, or an https one through a `node:https` agent,
 * starts from an object with no prototype; any other https request (through a proxy agent, whose
 * protocol Node reads from the calling module) gets every key Node reads as an own property
 * (`undefined`, and `rejectUnauthorized: true`).
 *
 * @example
 * ```ts
 * import { Agent } from 'node:http';
 *
 * Object.defineProperty(Object.prototype, 'setHost', { value: false, configurable: true });
 * const agent = ownSocketOptions(new Agent({ keepAlive: true }));
 * nodeRequest({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 8080, path: '/', agent }).end('{}');
 * // sends its Host header all the same
 * ```
 */
export const nodeRequest = (
  options: http.RequestOptions,
  callback?: (response: http.IncomingMessage) => void,
): http.ClientRequest =>
  options.protocol === 'https:' && !(options.agent instanceof https().Agent)
    ? https().request(
        Object.assign(Object.create(null) as Record<string, unknown>, secureRequestTemplate, options),
        callback,
      )
    : http.request(plainBase, options, callback);

/**
 * `agent`, whose new connections get every option `net` and `tls` read as an own property
 * (`undefined` where Node's default applies, `rejectUnauthorized: true`; the agent's and the
 * request's own options apply over these). Once per connection, not per request.
 *
 * @example
 * ```ts
 * import { Agent } from 'node:http';
 *
 * const agent = ownSocketOptions(new Agent({ keepAlive: true }));
 * ```
 */
export const ownSocketOptions = <A extends http.Agent>(agent: A): A => {
  const connect = (agent as unknown as { createConnection: (options: object, callback?: unknown) => unknown })
    .createConnection;
  Object.defineProperty(agent, 'createConnection', {
    value: (options: object, callback?: unknown) =>
      connect.call(agent, Object.assign(Object.create(null) as object, socketTemplate, options), callback),
    configurable: true,
    writable: true,
  });
  return agent;
};
