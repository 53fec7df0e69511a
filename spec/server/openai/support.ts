/**
 * The emulator behind a real `node:http` server running the OpenAI-compatible endpoint, for the
 * specs of the real clients.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { YqcloudProvider } from '../../../lib/index.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../../lib/emulator/index.js';
import { bearerToken } from '../../../lib/server/index.js';
import { createOpenAIHandler, type OpenAIHandlerOptions } from '../../../lib/server/routes/openai/openaiHandler.js';

/** The token the specs' clients send as their API key. */
export const apiKey = 'sk-spec-token';

export interface OpenAIEndpoint {
  readonly emulator: Emulator;
  /** `http://127.0.0.1:<port>/v1`, a client's `baseURL`. */
  readonly baseURL: string;
  /** The endpoint's provider (keep-alive off, so the emulator's open connections are the requests in flight). */
  readonly provider: YqcloudProvider;
  readonly close: () => Promise<void>;
}

/** Starts the emulator, then the endpoint in front of it; `close` stops both, whatever started. */
export const startOpenAIEndpoint = async (
  emulatorOptions: EmulatorOptions = {},
  handlerOptions: Partial<OpenAIHandlerOptions> = {},
): Promise<OpenAIEndpoint> => {
  const emulator = await startEmulator({ delayMs: 2, ...emulatorOptions });
  const server = http.createServer();
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    provider.destroy();
    await emulator.close();
  };
  const provider = new YqcloudProvider({ apiEndpoint: emulator.apiEndpoint, keepAlive: false });
  try {
    const openai = createOpenAIHandler({ provider, authorize: bearerToken(apiKey), ...handlerOptions });
    server.on('request', (req, res) => void openai(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (e) {
    await close();
    throw e;
  }
  const { port } = server.address() as AddressInfo;
  return { emulator, baseURL: `http://127.0.0.1:${port}/v1`, provider, close };
};

/**
 * An endpoint for a `describe`: started in `before`, closed in `after`; the function gives it
 * (and throws when called outside the tests).
 */
export const useOpenAIEndpoint = (
  emulatorOptions: EmulatorOptions = {},
  handlerOptions: Partial<OpenAIHandlerOptions> = {},
): (() => OpenAIEndpoint) => {
  let endpoint: OpenAIEndpoint | undefined;
  before(async () => {
    endpoint = await startOpenAIEndpoint(emulatorOptions, handlerOptions);
  });
  after(async () => {
    await endpoint?.close();
  });
  return () => {
    if (endpoint === undefined) throw new Error('no endpoint');
    return endpoint;
  };
};
