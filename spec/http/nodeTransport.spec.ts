import * as http from 'node:http';
import * as net from 'node:net';
import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';
import { nodeTransport } from '../../lib/http/nodeTransport.js';
import type { HttpRequest } from '../../lib/http/transport.js';

/** A server that records each request's head exactly as it came, and answers `hi`. */
const headRecorder = async (): Promise<{ port: number; heads: Array<string>; close: () => void }> => {
  const heads: Array<string> = [];
  const server = net.createServer((socket) => {
    let received = '';
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      heads.push(received.slice(0, end + 4));
      received = '';
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    heads,
    close: () => server.close(),
  };
};

const body = '{"prompt":"Hello"}';
const headers = Object.freeze({ accept: 'text/plain', 'content-type': 'application/json', 'x-trace': 't-1' });

describe('http/nodeTransport: the head of a direct POST', () => {
  it('is, byte for byte, the head Node writes for the same header record and URL credentials', async () => {
    const server = await headRecorder();
    const transport = nodeTransport();
    try {
      const url = `http://us%40er:pw@127.0.0.1:${server.port}/api/generateStream?x=1`;
      const request: HttpRequest = { url, method: 'POST', headers, body };
      await lastValueFrom(transport(request).pipe(toArray()));
      const agent = new http.Agent({ keepAlive: true });
      await new Promise<void>((resolve, reject) => {
        http
          .request(
            {
              method: 'POST',
              hostname: '127.0.0.1',
              port: server.port,
              path: '/api/generateStream?x=1',
              headers,
              auth: 'us@er:pw',
              agent,
            },
            (res) => res.resume().on('end', resolve),
          )
          .on('error', reject)
          .end(body);
      });
      agent.destroy();
      expect(server.heads).to.have.length(2);
      expect(server.heads[0]).to.equal(server.heads[1]);
    } finally {
      transport.destroy();
      server.close();
    }
  });

  it('with credentials in the URL and an Authorization header, sends the header alone, as Node does', async () => {
    const server = await headRecorder();
    const transport = nodeTransport();
    try {
      const request: HttpRequest = {
        url: `http://user:pw@127.0.0.1:${server.port}/api`,
        method: 'POST',
        headers: Object.freeze({ Authorization: 'Bearer tok' }),
        body,
      };
      await lastValueFrom(transport(request).pipe(toArray()));
      const lines = (server.heads[0] ?? '').split('\r\n').filter((line) => /^authorization:/i.test(line));
      expect(lines).to.deep.equal(['Authorization: Bearer tok']);
    } finally {
      transport.destroy();
      server.close();
    }
  });
});
