/**
 * The first request of a process: `node dist-check/bench/firstRequest.js <client> <port>` imports
 * what the client needs, sends one request to the bench server and prints, as one JSON line,
 * `firstChunkMs` (from the script's first line to the first piece of text, imports included),
 * `importMs` (of that, the imports), and `sinceProcessStartMs` (the same first piece, from the
 * process's start: Node's own start-up included). Clients: `raw` (`node:http` and a
 * `TextDecoder`), `axios`, `yqcloud-rx` (the default transport, axios), `yqcloud-rx node`
 * (`nodeTransport()`), `yqcloud-rx fetch` (`fetchTransport()`). Before the clock starts, the
 * script has loaded only the bench's harness (Node built-ins), the same for every client.
 *
 * @module
 */
import { bodyFor } from './harness.js';

const t0 = performance.now();
const [client = 'raw', port = '0'] = process.argv.slice(2);
const url = `http://127.0.0.1:${port}/api/generateStream?pieces=1&size=16`;
const body = bodyFor('#/chat/1');

/** Sends the request; resolves at the first piece of text, with the time the imports took. */
const first = async (): Promise<number> => {
  if (client === 'raw') {
    const http = await import('node:http');
    const imported = performance.now();
    await new Promise<void>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        const decoder = new TextDecoder();
        res.on('data', (piece: Buffer) => {
          if (decoder.decode(piece, { stream: true }) !== '') resolve();
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
    return imported;
  }
  if (client === 'axios') {
    const axios = (await import('axios')).default;
    const imported = performance.now();
    const response = await axios.post<NodeJS.ReadableStream>(url, body, {
      responseType: 'stream',
      headers: { 'content-type': 'application/json' },
    });
    await new Promise<void>((resolve) => response.data.once('data', () => resolve()));
    return imported;
  }
  const { YqcloudProvider, nodeTransport, fetchTransport } = await import('yqcloud-rx');
  const imported = performance.now();
  const transport =
    client === 'yqcloud-rx node' ? nodeTransport() : client === 'yqcloud-rx fetch' ? fetchTransport() : undefined;
  const provider = new YqcloudProvider({ apiEndpoint: url, ...(transport === undefined ? {} : { transport }) });
  await new Promise<void>((resolve, reject) => {
    const subscription = provider.create({ messages: [{ role: 'user', content: 'Hello' }] }).subscribe({
      next: (chunk) => {
        if (chunk.type !== 'text') return;
        subscription.unsubscribe();
        resolve();
      },
      error: reject,
    });
  });
  return imported;
};

const imported = await first();
const at = performance.now();
process.stdout.write(
  `${JSON.stringify({ firstChunkMs: at - t0, importMs: imported - t0, sinceProcessStartMs: at })}\n`,
);
process.exit(0);
