/**
 * The `yqcloud-rx` benchmark clients: `create` + subscribe on the built package, imported by its
 * name (`yqcloud-rx`, the package's own `exports`), over each transport it ships (axios, the
 * default; `nodeTransport()`; `fetchTransport()`), with and without the kept text and with
 * operators.
 *
 * @module
 */
import type { Observable, OperatorFunction } from 'rxjs';
import {
  accumulateText,
  bufferText,
  fetchTransport,
  nodeTransport,
  type Transport,
  YqcloudProvider,
  type Chunk,
} from 'yqcloud-rx';
import type { Client, Start } from '../harness.js';

/** The bulk reply (2,000 × 16 KiB = 32 MiB) is over the default `maxResponseBytes` of 8 MiB. */
const maxResponseBytesFor = (scenario: string): number | undefined =>
  scenario === 'bulk' ? 256 * 1024 * 1024 : undefined;

/** The transport a client sends with: the provider's default (axios), or one given. */
type TransportName = 'axios' | 'node' | 'fetch';

const transportFor = (name: TransportName): Transport | undefined =>
  name === 'node' ? nodeTransport() : name === 'fetch' ? fetchTransport() : undefined;

const transportOption: Readonly<Record<TransportName, string>> = {
  axios: '',
  node: '`transport: nodeTransport()` (one per provider)',
  fetch: '`transport: fetchTransport()` (Node’s fetch)',
};

interface Variant {
  readonly transport?: TransportName;
  readonly keepText: boolean;
  readonly operator?: OperatorFunction<Chunk, Chunk | string>;
  readonly label: string;
}

const describe = (variant: Variant, scenario: string): string =>
  [
    '`new YqcloudProvider({ apiEndpoint, now })` (`now` names each request for the server)',
    transportOption[variant.transport ?? 'axios'],
    maxResponseBytesFor(scenario) === undefined ? '' : '`maxResponseBytes: 256 MiB` (the reply is 32 MiB)',
    variant.keepText ? '' : '`create({ messages, keepText: false })`',
    variant.label,
  ]
    .filter((s) => s !== '')
    .join('; ');

const client = (variant: Variant): Client => ({
  options: (scenario) => describe(variant, scenario),
  make: ({ base, scenario }): Start => {
    const providers = new Map<string, YqcloudProvider>();
    const ids: Array<string> = [];
    const maxResponseBytes = maxResponseBytesFor(scenario);
    const messages = [{ role: 'user', content: 'Hello' }] as const;
    return (query, id, onText) => {
      let provider = providers.get(query);
      ids.push(id);
      if (provider === undefined) {
        const transport = transportFor(variant.transport ?? 'axios');
        provider = new YqcloudProvider({
          apiEndpoint: `${base}/api/generateStream?${query}`,
          ...(transport === undefined ? {} : { transport }),
          now: () => Number(ids.shift()),
          ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
        });
        providers.set(query, provider);
      }
      const reply$ = provider.create(variant.keepText ? { messages } : { messages, keepText: false });
      const out$: Observable<Chunk | string> = variant.operator === undefined ? reply$ : reply$.pipe(variant.operator);
      let cancel = (): void => undefined;
      let snapshot = 0;
      const done = new Promise<void>((resolve, reject) => {
        const subscription = out$.subscribe({
          next: (value) => {
            if (typeof value === 'string') {
              onText(value.length - snapshot, value);
              snapshot = value.length;
            } else if (value.type === 'text') onText(value.text.length, value.text);
          },
          error: reject,
          complete: resolve,
        });
        cancel = () => subscription.unsubscribe();
      });
      return { done, cancel };
    };
  },
});

/**
 * The clients by name.
 *
 * @example
 * ```ts
 * const start = yqcloudClients['yqcloud-rx']?.make({ base: 'http://127.0.0.1:8080', scenario: 'small' });
 * ```
 */
export const yqcloudClients: Readonly<Record<string, Client>> = {
  'yqcloud-rx': client({ keepText: true, label: '' }),
  'yqcloud-rx keepText:false': client({ keepText: false, label: '' }),
  'yqcloud-rx node': client({ transport: 'node', keepText: true, label: '' }),
  'yqcloud-rx node keepText:false': client({ transport: 'node', keepText: false, label: '' }),
  'yqcloud-rx fetch': client({ transport: 'fetch', keepText: true, label: '' }),
  'yqcloud-rx+bufferText': client({
    keepText: true,
    operator: bufferText({ boundary: 'word' }),
    label: "`.pipe(bufferText({ boundary: 'word' }))`",
  }),
  'yqcloud-rx+accumulateText': client({
    keepText: true,
    operator: accumulateText(),
    label: '`.pipe(accumulateText())` (the growth of each snapshot is counted)',
  }),
};
