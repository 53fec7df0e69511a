/**
 * The benchmark server, run as its own process (compiled, plain `node`): streams the service's
 * shape (plain UTF-8 text, mixed ASCII and multi-byte characters, in chunked pieces that may
 * split a character, no framing) as the query asks, counts TCP connections, and records when
 * each request's socket closed (wall clock, so a client process can compare).
 *
 *   GET  /stats            → { connections, closes: { [id]: epochMs } }
 *   POST /reset            → clears the stats
 *   POST /api/generateStream?pieces=N&size=B&gapMs=G&stamp=1   (the body's userId names the request)
 *   POST /api/generateStream?relay=1   a piece of 20 bytes every 50 ms until the client leaves
 *
 * The listen backlog is raised (to the kernel's `somaxconn`), so thousands of connects at once
 * queue instead of being dropped into SYN retries of 1–3 s: the concurrency scenarios compare
 * clients, not the kernel's accept queue.
 *
 * Prints its port on stdout, then serves until killed.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

const wallClock = (): number => performance.timeOrigin + performance.now();

let connections = 0;
let closes: Record<string, number> = {};

/** The text the pieces are cut from: about a third of its bytes are in 2-, 3- and 4-byte characters. */
const sample = Buffer.from('Hello, 世界! The reply — déjà vu, naïve café; 你好吗？ ok 👍 ab cd ef gh ij kl ', 'utf8');

/** `size` bytes of the sample from byte `offset` on: a piece may start or end inside a character. */
const pieceOf = (size: number, offset: number): Buffer => {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = sample[(offset + i) % sample.length] ?? 0x20;
  return out;
};

/** The relay scenario's pieces: 20 bytes each, the ones a stream sends in turn. */
const relayPieceBytes = 20;
const relayGapMs = 50;
const relayPieces = Array.from({ length: sample.length }, (_, i) => pieceOf(relayPieceBytes, i * relayPieceBytes));

/**
 * The open relay streams, in ten buckets ticked 5 ms apart: each stream gets a piece every
 * 50 ms, and the streams' pieces spread over the 50 ms as independent replies' would.
 */
const relayBuckets: ReadonlyArray<Set<{ res: http.ServerResponse; sent: number }>> = Array.from(
  { length: 10 },
  () => new Set(),
);
let relayTick = 0;
let relayNext = 0;
setInterval(() => {
  const bucket = relayBuckets[relayTick++ % relayBuckets.length];
  for (const stream of bucket ?? []) {
    if (stream.res.destroyed) {
      bucket?.delete(stream);
      continue;
    }
    stream.res.write(relayPieces[stream.sent++ % relayPieces.length]);
  }
}, relayGapMs / relayBuckets.length).unref();

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
    if (url.searchParams.get('relay') === '1') {
      const stream = { res, sent: 0 };
      res.write(relayPieces[stream.sent++]);
      relayBuckets[relayNext++ % relayBuckets.length]?.add(stream);
      return;
    }
    // Ten distinct pieces, each cut from its own offset of the sample, sent in turn.
    const cached = Array.from({ length: Math.min(pieces, 10) }, (_, i) => pieceOf(size, i * size));
    let index = 0;
    const next = (): Buffer | string => {
      const body = stamp ? `[${wallClock().toFixed(3)}]` : (cached[index % cached.length] ?? Buffer.alloc(0));
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
server.headersTimeout = 120_000;
server.requestTimeout = 0;

const somaxconn = (): number => {
  try {
    return Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim()) || 511;
  } catch {
    return 511;
  }
};
const backlog = Math.max(511, somaxconn());
server.listen({ port: 0, host: '127.0.0.1', backlog }, () => {
  process.stdout.write(`${(server.address() as AddressInfo).port} ${backlog}\n`);
});
