/**
 * nock for one `describe` block only.
 *
 * nock 14 switches itself on when it is imported, for the whole process, and then every
 * `http.ClientRequest` goes through @mswjs/interceptors, even requests it lets through to a real
 * server: loopback tests then see other sockets (no keep-alive reuse, proxies hanging). Mocha
 * imports every spec file before running any test, so one spec importing nock would change all
 * the others. This module switches nock off as soon as it is imported, and {@link useNock}
 * switches it on around one block. Import nock's scopes as usual, but import this module too
 * and call `useNock()` in the block that uses them.
 *
 * @example
 * ```ts
 * import nock from 'nock';
 * import { useNock } from '../support/useNock.js';
 *
 * describe('the request contract', () => {
 *   useNock();
 *   it('POSTs the body', async () => { nock('https://api.binjie.fun').post('/api/generateStream').reply(200, 'ok'); … });
 * });
 * ```
 */
import nock from 'nock';

if (nock.isActive()) nock.restore();

/**
 * Activates nock (with real network connections refused) before the block's tests, and
 * removes every interceptor after each test and nock itself after the block.
 *
 * @example
 * ```ts
 * describe('contract', () => { useNock(); … });
 * ```
 */
export const useNock = (): void => {
  before(() => {
    if (!nock.isActive()) nock.activate();
    nock.disableNetConnect();
  });
  afterEach(() => {
    nock.cleanAll();
  });
  after(() => {
    nock.enableNetConnect();
    nock.restore();
  });
};
