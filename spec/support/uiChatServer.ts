/**
 * The UI message stream route on a loopback `node:http` server, with the emulator behind it, for
 * specs that drive it with the AI SDK's client side.
 *
 * @example
 * ```ts
 * const chat = await startUIChatServer({ authorize: bearerToken('t'), store: createMemoryReplyStore() });
 * new DefaultChatTransport({ api: chat.api, headers: { authorization: 'Bearer t' } });
 * await chat.close();
 * ```
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type Emulator } from '../../lib/emulator/index.js';
import { YqcloudProvider } from '../../lib/index.js';
import {
  createUIMessageStreamHandler,
  type UIMessageStreamHandlerOptions,
} from '../../lib/server/routes/uiMessageStream/uiMessageStreamHandler.js';

export interface UIChatServer {
  readonly emulator: Emulator;
  /** `http://127.0.0.1:<port>/api/chat`. */
  readonly api: string;
  /** Closes the server, the provider and the emulator (not the store). */
  readonly close: () => Promise<void>;
}

export const startUIChatServer = async (
  options: Omit<UIMessageStreamHandlerOptions, 'provider'>,
): Promise<UIChatServer> => {
  const emulator = await startEmulator({ delayMs: 2 });
  const provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint, keepAlive: false });
  const server = http.createServer(createUIMessageStreamHandler({ ...options, provider }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    emulator,
    api: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/chat`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      provider.destroy();
      await emulator.close();
    },
  };
};
