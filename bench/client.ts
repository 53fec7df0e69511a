/**
 * One benchmark client in its own process: `node --expose-gc dist-check/bench/client.js <client>
 * <scenario> <port> <relay port>` runs one scenario and prints one JSON line of figures (and the options the
 * client used). The client's module is imported only once its name is known, so the `raw`
 * client's process loads `node:http` and nothing else (no axios, no library, no TypeScript
 * loader: `npm run bench` compiles the bench first). Clients: `raw`, `axios`, `yqcloud-rx`,
 * `yqcloud-rx keepText:false`, `yqcloud-rx+bufferText`, `yqcloud-rx+accumulateText`, and
 * `through-relay` (node:http to the relay process, `bench/relayServer.ts`).
 *
 * @module
 */
import { type Client, scenarios } from './harness.js';

const [clientName = 'raw', scenario = 'small', port = '0', relayPort = '0'] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const relayBase = `http://127.0.0.1:${relayPort}`;

const load = async (name: string): Promise<Client | undefined> => {
  if (name === 'raw') return (await import('./clients/raw.js')).raw;
  if (name === 'axios') return (await import('./clients/axios.js')).axiosClient;
  if (name === 'through-relay') return (await import('./clients/relay.js')).throughRelay;
  return (await import('./clients/yqcloud.js')).yqcloudClients[name];
};

const run = scenarios[scenario];
const client = await load(clientName);
if (run === undefined || client === undefined) throw new Error(`unknown client ${clientName} or scenario ${scenario}`);
const figures = await run(
  client.make({ base: clientName === 'through-relay' ? relayBase : base, scenario }),
  base,
  relayBase,
);
process.stdout.write(`${JSON.stringify({ ...figures, options: client.options(scenario) })}\n`);
process.exit(0);
