/**
 * A small relay for specs, speaking the relay's wire format (docs/relay.md) over a real loopback server, until (and
 * besides) `yqcloud-rx/server`'s `createRelayHandler`: a bearer token, the JSON body, one
 * Server-Sent Event per chunk, an `error` event with the serialised `YqcloudError`, and the
 * provider's reply unsubscribed when the client goes away. Also `sse()` for handlers that script
 * an event stream by hand.
 *
 * @example
 * ```ts
 * const relay = await startLoopbackServer(sseRelayHandler(new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint })));
 * const client = new RelayProvider({ url: relay.origin, headers: { authorization: `Bearer ${sseRelayToken}` } });
 * ```
 */
import type * as http from 'node:http';
import { httpError } from '../../lib/core/error.js';
import { Conversation, type Chunk, type YqcloudProvider } from '../../lib/index.js';
import type { Handler } from './loopbackServer.js';

/** The token `sseRelayHandler` accepts by default. */
export const sseRelayToken = 'spec-relay-token';

/** One event of the relay's format. */
export const sse = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

const chunkEvent = (chunk: Chunk): string =>
  chunk.type === 'text'
    ? sse('text', { text: chunk.text })
    : chunk.type === 'conversation'
      ? sse('conversation', Conversation.toJson(chunk.conversation))
      : sse('finish', { reason: chunk.reason });

/** The event-stream headers of the relay. */
export const sseHeaders: http.OutgoingHttpHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

const refuse = (
  res: http.ServerResponse,
  status: number,
  error: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error }));
};

/** A relay handler in front of `provider` that accepts `authorization: Bearer <token>`. */
export const sseRelayHandler =
  (provider: YqcloudProvider, token = sseRelayToken): Handler =>
  (req, res, recorded) => {
    if (req.headers.authorization !== `Bearer ${token}`)
      return refuse(res, 401, httpError(401, ''), { 'www-authenticate': 'Bearer' });
    let body: { messages?: never; model?: string; conversation?: unknown; returnConversation?: boolean };
    try {
      body = JSON.parse(recorded.body) as typeof body;
    } catch {
      return refuse(res, 400, { kind: 'InvalidRequest', message: 'the body is not JSON', path: '' });
    }
    const restored = body.conversation === undefined ? undefined : Conversation.fromJson(body.conversation);
    if (restored?._tag === 'Left')
      return refuse(res, 400, { kind: 'InvalidRequest', message: restored.left.message, path: 'conversation' });
    res.writeHead(200, sseHeaders);
    res.flushHeaders();
    const subscription = provider
      .create({
        messages: body.messages ?? [],
        model: body.model,
        conversation: restored?.right,
        returnConversation: body.returnConversation,
      })
      .subscribe({
        next: (chunk) => res.write(chunkEvent(chunk)),
        error: (e: unknown) => res.end(sse('error', e)),
        complete: () => res.end(),
      });
    res.once('close', () => subscription.unsubscribe());
  };
