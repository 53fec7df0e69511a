/**
 * The `through-relay` benchmark client: `node:http` and nothing else, asking the relay process
 * (`bench/relayServer.ts`) instead of the server, and reading its Server-Sent Events (`text`
 * events' `data` is `{"text":"…"}`). The scenario's query picks the relay's path: one piece, or
 * the relay scenario's endless stream.
 *
 * @module
 */
import * as http from 'node:http';
import type { Client } from '../harness.js';

const token = 'bench-relay-token';
const pathFor = (query: string): string => (query === 'relay=1' ? '/relay/stream' : '/relay/one');

/**
 * A keep-alive agent, a `TextDecoder` per reply, events split on blank lines.
 *
 * @example
 * ```ts
 * const start = throughRelay.make({ base: 'http://127.0.0.1:8787', scenario: 'latency' });
 * ```
 */
export const throughRelay: Client = {
  options: () =>
    '`node:http` to `createRelayHandler` (in its own process, upstream through `nodeTransport()` with `keepText: false`, `maxConcurrentStreams: 100000`), SSE read by hand',
  make: ({ base }) => {
    const agent = new http.Agent({ keepAlive: true });
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'Hello' }] });
    return (query, _id, onText) => {
      let req: http.ClientRequest | undefined;
      const done = new Promise<void>((resolve, reject) => {
        req = http.request(
          `${base}${pathFor(query)}`,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              accept: 'text/event-stream',
              authorization: `Bearer ${token}`,
            },
          },
          (res) => {
            if (res.statusCode !== 200) {
              res.resume();
              reject(new Error(`the relay answered ${res.statusCode}`));
              return;
            }
            const decoder = new TextDecoder();
            let pending = '';
            res.on('data', (piece: Buffer) => {
              pending += decoder.decode(piece, { stream: true });
              for (let end = pending.indexOf('\n\n'); end >= 0; end = pending.indexOf('\n\n')) {
                const event = pending.slice(0, end);
                pending = pending.slice(end + 2);
                if (!event.startsWith('event: text\n')) continue;
                const data = event.slice(event.indexOf('data: ') + 6);
                const { text } = JSON.parse(data) as { text: string };
                onText(text.length, text);
              }
            });
            res.on('end', () => resolve());
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      return { done, cancel: () => req?.destroy() };
    };
  },
};
