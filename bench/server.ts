/**
 * The benchmark server, run as its own process: streams the service's shape (plain UTF-8 text in
 * chunked pieces, no framing) as the query asks, counts TCP connections, and records when each
 * request's socket closed (wall clock, so a client process can compare).
 *
 *   GET  /stats            → { connections, closes: { [id]: epochMs } }
 *   POST /reset            → clears the stats
 *   POST /api/generateStream?pieces=N&size=B&gapMs=G&stamp=1   (the body's userId names the request)
 *
 * Prints its port on stdout, then serves until killed.
 *
 * @module
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

const wallClock = (): number => performance.timeOrigin + performance.now();

let connections = 0;
let closes: Record<string, number> = {};

const pieceOf = (size: number, index: number): string => {
  const words = `w${index % 10} ab cd ef gh ij kl mn op qr st uv wx yz `;
  let out = '';
  while (out.length < size) out += words;
  return out.slice(0, size);
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ connections, closes }));
    return;
  }
  if (url.pathname === '/reset') {
    connections = 0;
    closes = {};
    res.writeHead(204, { connection: 'close' });
    res.end();
    return;
  }
  const body: Array<Buffer> = [];
  req.on('data', (piece: Buffer) => body.push(piece));
  req.on('end', () => {
    const pieces = Number(url.searchParams.get('pieces') ?? 1);
    const size = Number(url.searchParams.get('size') ?? 16);
    const gapMs = Number(url.searchParams.get('gapMs') ?? 0);
    const stamp = url.searchParams.get('stamp') === '1';
    let id: string | null = null;
    try {
      id = String((JSON.parse(Buffer.concat(body).toString('utf8')) as { userId?: unknown }).userId ?? '') || null;
    } catch {
      id = null;
    }
    if (id !== null) requestOn.set(req.socket, id);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    req.socket.setNoDelay(true);
    const cached = Array.from({ length: Math.min(pieces, 10) }, (_, i) => pieceOf(size, i));
    let index = 0;
    const next = (): string => {
      const body = stamp ? `[${wallClock().toFixed(3)}]` : (cached[index % cached.length] ?? '');
      index++;
      return body;
    };
    const paced = (): void => {
      if (res.destroyed) return;
      if (index >= pieces) return void res.end();
      res.write(next());
      setTimeout(paced, gapMs);
    };
    // No gap: each piece its own write, as fast as the socket takes them.
    const flood = (): void => {
      while (index < pieces) {
        if (res.destroyed) return;
        if (!res.write(next())) return void res.once('drain', flood);
      }
      res.end();
    };
    if (gapMs > 0) paced();
    else flood();
  });
});
/** The request each socket serves now (keep-alive sockets serve many, one at a time). */
const requestOn = new WeakMap<Socket, string>();
server.on('connection', (socket: Socket) => {
  connections++;
  socket.once('close', () => {
    const id = requestOn.get(socket);
    if (id !== undefined) closes[id] = wallClock();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
