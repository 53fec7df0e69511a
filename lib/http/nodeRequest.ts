/**
 * Starting a `node:http`/`node:https` request with nothing read through `Object.prototype`.
 * Node copies options into plain objects before reading them (`ClientRequest`, `net.Socket`,
 * `tls.connect`), so a key left out would be read through the prototype there: a polluted
 * `Object.prototype.setHost`, `auth`, `socketPath`, `signal`, `localAddress` or `ca` would change
 * the request, its socket or whom it trusts. While `Object.prototype` holds any key
 * `ClientRequest` reads, each request's options carry every such key as an own property (see
 * {@link nodeRequest}); a connection's, copied once per connection rather than per request, get
 * every key `net` and `tls` read (see {@link ownSocketOptions}).
 *
 * @module
 */
import * as http from 'node:http';
import type * as Https from 'node:https';
import { lazyBuiltin } from './builtin.js';

const https = lazyBuiltin<typeof Https>('node:https');

/** Keys `ClientRequest` reads that a request may leave out. */
const requestKeys: ReadonlyArray<string> = [
  '_defaultAgent',
  'auth',
  'createConnection',
  'defaultPort',
  'host',
  'insecureHTTPParser',
  'joinDuplicateHeaders',
  'maxHeaderSize',
  'signal',
  'socketPath',
  'timeout',
  'uniqueHeaders',
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
  template.setHost = true;
  template.rejectUnauthorized = true;
  return template;
};

const requestTemplate = templateOf(requestKeys);
/** Every key the request template sets. */
const requestTemplateKeys: ReadonlyArray<string> = Object.keys(requestTemplate);

/**
 * Whether `Object.prototype` holds any of `keys` (own or not, enumerable or not, a getter too):
 * only then would Node read a key left out of a request's options through the prototype.
 */
const prototypeHolds = (keys: ReadonlyArray<string>): boolean => {
  for (const key of keys) if (key in Object.prototype) return true;
  return false;
};
const socketTemplate = templateOf([...socketKeys, ...tlsKeys]);
/** An https request through a proxy agent: its connection's options come from the request's. */
const proxiedSecureTemplate = templateOf([...requestKeys, ...socketKeys, ...tlsKeys]);

/**
 * `http.request(options, callback)` (`https.request` when `options.protocol` is `https:`) with
 * only `options`' own keys in effect: when `Object.prototype` holds any key `ClientRequest`
 * reads, every such key is made an own property (`undefined`, and `setHost: true`); when it
 * holds none, `options` go as they are (Node reads them in this call, so nothing can be read
 * through the prototype, and the agent keeps a small copy of them per connection). An https
 * request through an agent that is not a `node:https` one (a proxy agent, whose connections take
 * the request's options) always gets every key `net` and `tls` read, with
 * `rejectUnauthorized: true`.
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
): http.ClientRequest => {
  const own = Object.create(null) as Record<string, unknown>;
  const secure = options.protocol === 'https:';
  if (secure && !(options.agent instanceof https().Agent))
    return https().request(Object.assign(own, proxiedSecureTemplate, options), callback);
  const safe = prototypeHolds(requestTemplateKeys) ? Object.assign(own, requestTemplate, options) : options;
  return secure ? https().request(safe, callback) : http.request(safe, callback);
};

/**
 * `agent`, whose new connections get every option `net` and `tls` read as an own property
 * (`undefined` where Node's default applies, `rejectUnauthorized: true`; the agent's and the
 * request's own options apply over these). Once per connection, not per request.
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
