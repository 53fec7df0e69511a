/**
 * `npm run demo`: the browser demo: the page, the relay it talks to, and the embedded emulator
 * behind the relay. `PORT` picks the page's port (default 5173; `0` for any free port).
 */
import { demoToken, startDemo, type Demo } from './server.js';

const port = Number(process.env.PORT ?? 5173);

let demo: Demo;
try {
  demo = await startDemo({ port });
} catch (e) {
  const taken = (e as { code?: unknown }).code === 'EADDRINUSE';
  console.error(taken ? `Port ${port} is in use: run with another, e.g. PORT=0 npm run demo` : e);
  process.exit(1);
}
console.log(`yqcloud-rx browser demo: ${demo.url}`);
console.log(`  the page talks to the relay at ${demo.relayUrl} (token "${demoToken}"),`);
console.log(`  the relay to the embedded emulator at ${demo.emulator.apiEndpoint}; Ctrl-C stops`);

const stop = (): void => {
  void demo.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
