/**
 * The transport contract (spec/http/transportContract.ts) against every transport the library
 * ships: the default one (axios over the agent pool), `nodeTransport()`, `fetchTransport()` (axios's
 * fetch adapter, the browser default) and the relay client's `webFetchTransport()`, here on Node's
 * own `fetch`.
 */
import { createDefaultTransport } from '../../lib/http/defaultTransport.js';
import { fetchTransport } from '../../lib/http/fetchTransport.js';
import { nodeTransport } from '../../lib/http/nodeTransport.js';
import { webFetchTransport } from '../../lib/http/webFetchTransport.js';
import { describeTransportContract, type TransportGaps } from './transportContract.js';

const fetchGaps: TransportGaps = {
  proxy: 'fetch chooses no proxy',
  ca: 'fetch takes no CA of its own',
  strictDecompression: 'Node’s fetch (undici) ends a compressed body cut short as if whole',
  informational: 'undici fails a 101 and an unasked-for 100 Continue as a socket error',
  prototype: 'undici reads its connection options through Object.prototype',
};

describeTransportContract({
  name: 'axios (the default)',
  make: ({ ca }) => {
    const owned = createDefaultTransport({ axios: undefined, ca, keepAlive: true });
    return { transport: owned.transport, destroy: owned.destroy };
  },
});

describeTransportContract({
  name: 'nodeTransport()',
  make: ({ ca }) => {
    const transport = nodeTransport(ca === undefined ? {} : { ca });
    return { transport, destroy: transport.destroy };
  },
});

describeTransportContract({
  name: 'fetchTransport() on Node’s fetch',
  make: () => ({ transport: fetchTransport(), destroy: () => undefined }),
  gaps: fetchGaps,
});

describeTransportContract({
  name: 'webFetchTransport() on Node’s fetch',
  make: () => ({ transport: webFetchTransport(), destroy: () => undefined }),
  gaps: fetchGaps,
});
