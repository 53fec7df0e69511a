/**
 * The `raw` benchmark client: `node:http` and a streaming `TextDecoder`, nothing else loaded in
 * its process (the physical limit the other clients are compared with).
 *
 * @module
 */
import * as http from 'node:http';
import { bodyFor, type Client } from '../harness.js';

/**
 * A keep-alive agent without a socket limit (Node 20's global agent keeps alive too; the limit
 * is the default, `Infinity`), and a `TextDecoder` with `stream: true` per reply.
 *
 * @example
 * ```ts
 * const start = raw.make({ base: 'http://127.0.0.1:8080', scenario: 'small' });
 * ```
 */
export const raw: Client = {
  options: () => '`new http.Agent({ keepAlive: true })`; a `TextDecoder` per reply, `stream: true`',
  make: ({ base }) => {
    const agent = new http.Agent({ keepAlive: true });
    return (query, id, onText) => {
      let req: http.ClientRequest | undefined;
      const done = new Promise<void>((resolve, reject) => {
        req = http.request(
          `${base}/api/generateStream?${query}`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            const decoder = new TextDecoder();
            res.on('data', (piece: Buffer) => {
              const text = decoder.decode(piece, { stream: true });
              if (text !== '') onText(text.length, text);
            });
            res.on('end', () => resolve());
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(bodyFor(id));
      });
      return { done, cancel: () => req?.destroy() };
    };
  },
};
