/**
 * The `axios` benchmark client: axios with `responseType: 'stream'`, used directly.
 *
 * @module
 */
import * as http from 'node:http';
import type { IncomingMessage } from 'node:http';
import axios from 'axios';
import { bodyFor, type Client } from '../harness.js';

/**
 * axios over a keep-alive agent, a `TextDecoder` per reply.
 *
 * @example
 * ```ts
 * const start = axiosClient.make({ base: 'http://127.0.0.1:8080', scenario: 'small' });
 * ```
 */
export const axiosClient: Client = {
  options: () =>
    "`axios.post(url, body, { responseType: 'stream', httpAgent: new http.Agent({ keepAlive: true }), signal })`; a `TextDecoder` per reply",
  make: ({ base }) => {
    const agent = new http.Agent({ keepAlive: true });
    return (query, id, onText) => {
      const controller = new AbortController();
      const done = axios
        .post<IncomingMessage>(`${base}/api/generateStream?${query}`, bodyFor(id), {
          responseType: 'stream',
          httpAgent: agent,
          signal: controller.signal,
          headers: { 'content-type': 'application/json' },
        })
        .then(
          (response) =>
            new Promise<void>((resolve, reject) => {
              const decoder = new TextDecoder();
              response.data.on('data', (piece: Buffer) => {
                const text = decoder.decode(piece, { stream: true });
                if (text !== '') onText(text.length, text);
              });
              response.data.on('end', () => resolve());
              response.data.on('error', reject);
            }),
        );
      return { done, cancel: () => controller.abort() };
    };
  },
};
