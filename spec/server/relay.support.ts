/**
 * Fixtures of the relay specs: an emulator upstream, a provider on it, relays on real loopback
 * servers (node:http and Web), and a client that reads the Server-Sent Events.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createParser } from 'eventsource-parser';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../lib/emulator/index.js';
import { YqcloudProvider } from '../../lib/provider/yqcloudProvider.js';
import { bearerToken, createRelayHandler, type RelayHandler, type RelayOptions } from '../../lib/server/index.js';
import { startWebServer } from '../support/webServer.js';

export const token = 't0ken-for-specs';

/** A running relay: its URL, the handler, the emulator behind it. */
export interface RelayFixture {
  readonly url: string;
  readonly relay: RelayHandler;
  readonly emulator: Emulator;
  readonly provider: YqcloudProvider;
}

/** Whatever a spec started, stopped by {@link stopAll} in its `afterEach`, even after a failure. */
const running: Array<() => Promise<void> | void> = [];

export const stopAll = async (): Promise<void> => {
  for (const stop of running.splice(0).reverse()) await stop();
};

/** A node:http server with `handler` on 127.0.0.1 (stopped by {@link stopAll}). */
export const listen = async (handler: http.RequestListener): Promise<string> => {
  const sockets = new Set<Socket>();
  const server = http.createServer(handler);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  running.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/relay`;
};

/** A Web handler on a Web-handler server on 127.0.0.1 (stopped by {@link stopAll}). */
export const listenWeb = async (
  handler: (request: Request, info: { readonly remoteAddress?: string }) => Promise<Response>,
): Promise<string> => {
  const server = await startWebServer(handler);
  running.push(() => server.close());
  return `${server.origin}/relay`;
};

/** An emulator (stopped by {@link stopAll}). */
export const emulatorUpstream = async (options: EmulatorOptions = {}): Promise<Emulator> => {
  const emulator = await startEmulator({ delayMs: 1, ...options });
  running.push(() => emulator.close());
  return emulator;
};

/** A provider on `apiEndpoint` (destroyed by {@link stopAll}). */
export const providerOn = (apiEndpoint: string, maxResponseBytes?: number): YqcloudProvider => {
  const provider = new YqcloudProvider({
    apiEndpoint,
    ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
  });
  running.push(() => provider.destroy());
  return provider;
};

/** A relay on a node:http server (or, `web: true`, its `fetch` on a Web-handler server) in front of an emulator. */
export const startRelay = async (
  options: Partial<RelayOptions> & { readonly web?: boolean; readonly emulator?: Emulator } = {},
): Promise<RelayFixture> => {
  const emulator = options.emulator ?? (await emulatorUpstream());
  const provider = providerOn(emulator.apiEndpoint);
  const relay = createRelayHandler({ provider, authorize: bearerToken(token), ...options });
  const url = options.web === true ? await listenWeb(relay.fetch) : await listen(relay);
  return { url, relay, emulator, provider };
};

/** The headers a relay client sends. */
export const relayHeaders = (extra: Record<string, string> = {}): Record<string, string> => ({
  'content-type': 'application/json',
  accept: 'text/event-stream',
  authorization: `Bearer ${token}`,
  ...extra,
});

/** POSTs a body (an object is sent as JSON) to the relay. */
export const post = (
  url: string,
  body: unknown,
  headers: Record<string, string> = relayHeaders(),
  init: RequestInit = {},
): Promise<Response> =>
  fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body), ...init });

/** One event of a stream, its data parsed. */
export interface RelayEvent {
  readonly event: string;
  readonly data: unknown;
}

/** Reads an event stream to its end: events and comments, in order, and whether it was cut off. */
export const readEvents = async (
  response: Response,
  onEvent: (event: RelayEvent) => void = () => {},
): Promise<{
  readonly events: ReadonlyArray<RelayEvent>;
  readonly comments: ReadonlyArray<string>;
  readonly cut: boolean;
}> => {
  const events: Array<RelayEvent> = [];
  const comments: Array<string> = [];
  const parser = createParser({
    onEvent: (message) => {
      const event = { event: message.event ?? 'message', data: JSON.parse(message.data) as unknown };
      events.push(event);
      onEvent(event);
    },
    onComment: (comment) => comments.push(comment),
  });
  const decoder = new TextDecoder();
  let cut = false;
  try {
    for await (const piece of response.body ?? []) parser.feed(decoder.decode(piece as Uint8Array, { stream: true }));
  } catch {
    cut = true;
  }
  return { events, comments, cut };
};

/** The text of the `text` events, joined. */
export const textOf = (events: ReadonlyArray<RelayEvent>): string =>
  events
    .filter((e) => e.event === 'text')
    .map((e) => (e.data as { text: string }).text)
    .join('');
