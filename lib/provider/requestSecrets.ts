/**
 * The credentials one request carries, so that no error about it can show them.
 *
 * @module
 */
import * as O from '#fp-ts/Option.js';
import type { ProxyConfig } from '../core/proxy.js';
import { credentialSecrets, secretsOfUrl } from '../core/redact.js';

/**
 * The secrets of the endpoint's userinfo and of the proxy's credentials, in every form they may
 * be sent or echoed (see `credentialSecrets`).
 */
export const requestSecrets = (apiEndpoint: string, proxy: O.Option<ProxyConfig>): ReadonlyArray<string> => [
  ...secretsOfUrl(apiEndpoint),
  ...(O.isSome(proxy)
    ? [
        ...secretsOfUrl(proxy.value.url),
        ...(proxy.value.credentials === undefined ? [] : credentialSecrets(...proxy.value.credentials)),
      ]
    : []),
];
