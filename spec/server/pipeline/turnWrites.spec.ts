/**
 * The reply writer coalesces per turn of the event loop (lib/server/pipeline/turnWrites.ts): what
 * a reply gives in one turn reaches the client as one HTTP chunk, pieces of later turns as their
 * own chunks, and the byte budget still cuts an answer off. Read off the wire by a raw TCP client,
 * which sees the chunked framing Node writes.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { expect } from 'chai';
import { concat, finalize, from, map, type Observable, of, timer } from 'rxjs';
import { eventStreamHeaders, type ReplyPart, writeNodeReply } from '../../../lib/server/pipeline/reply.js';

const head: ReplyPart = { type: 'head', status: 200, headers: eventStreamHeaders };
const data = (text: string): ReplyPart => ({ type: 'data', text });

/** Serves `parts` once, and resolves with the chunks' payloads as the client read them off the wire. */
const chunksOf = async (
  parts: () => Observable<ReplyPart>,
  maxBufferedBytes = 1024 * 1024,
): Promise<{ readonly chunks: ReadonlyArray<string>; readonly ended: boolean }> => {
  const server = http.createServer((_req, res) => writeNodeReply(res, parts(), maxBufferedBytes));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () =>
        socket.write('GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n'),
      );
      let received = '';
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => {
        received += d;
      });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
    const chunks: Array<string> = [];
    let at = 0;
    let ended = false;
    while (at < body.length) {
      const line = body.indexOf('\r\n', at);
      if (line < 0) break;
      const size = Number.parseInt(body.slice(at, line), 16);
      if (size === 0) {
        ended = true;
        break;
      }
      chunks.push(Buffer.from(body.slice(line + 2, line + 2 + size), 'latin1').toString('utf8'));
      at = line + 2 + size + 2;
    }
    return { chunks, ended };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
};

describe('server/pipeline: writes coalesced per turn of the event loop', () => {
  it('the parts of one turn go out as one chunk, then the end', async () => {
    const { chunks, ended } = await chunksOf(() => of(head, data('a: 1\n\n'), data('b: 2\n\n'), data('c: 3\n\n')));
    expect(chunks).to.deep.equal(['a: 1\n\nb: 2\n\nc: 3\n\n']);
    expect(ended).to.equal(true);
  });

  it('parts of later turns are chunks of their own, each in its turn', async () => {
    const later = (text: string, ms: number) => timer(ms).pipe(map(() => data(text)));
    const { chunks, ended } = await chunksOf(() =>
      concat(of(head, data('first\n\n'), data('same turn\n\n')), later('later\n\n', 20), later('last\n\n', 20)),
    );
    expect(chunks).to.deep.equal(['first\n\nsame turn\n\n', 'later\n\n', 'last\n\n']);
    expect(ended).to.equal(true);
  });

  it('multi-byte text is written whole', async () => {
    const { chunks } = await chunksOf(() => from([head, data('你好 '), data('👋')]));
    expect(chunks).to.deep.equal(['你好 👋']);
  });

  it('past the budget within one turn, the source is unsubscribed and the answer cut off', async () => {
    let finalized = false;
    const { chunks, ended } = await chunksOf(
      () =>
        concat(
          of(head, data('x'.repeat(600)), data('y'.repeat(600))),
          timer(5_000).pipe(map(() => data('never'))),
        ).pipe(
          finalize(() => {
            finalized = true;
          }),
        ),
      1_000,
    );
    expect(finalized).to.equal(true);
    expect(chunks).to.deep.equal([]);
    expect(ended).to.equal(false);
  });
});
