/**
 * The `serve` command's line: its options, their parsers and help. Running it imports the server
 * (`serve.ts`), so the other commands load nothing of it.
 *
 * @module
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import * as E from '#fp-ts/Either.js';
import { parseModelAlias } from '../server/routes/openai/modelAliases.js';
import type { ServeOptions } from './serve.js';

const milliseconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3_600_000)
    throw new InvalidArgumentError('must be 1 to 3600000 milliseconds');
  return n;
};

const count = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('must be 1 to 10000');
  return n;
};

const alias = (value: string, previous: ReadonlyArray<readonly [string, string]> = []) => {
  const parsed = parseModelAlias(value);
  if (E.isLeft(parsed)) throw new InvalidArgumentError('expected alias=model, such as gpt-4o=gpt-4');
  return [...previous, parsed.right];
};

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('must be a port number, 0 to 65535');
  return n;
};

/**
 * The `serve` command, for the `yqcloud-rx` program.
 */
export const serveCommand = (): Command =>
  new Command('serve')
    .description(
      'serve the relay (POST /relay), an OpenAI-compatible endpoint (/v1) and the AI SDK chat protocol (POST /api/chat) until Ctrl-C',
    )
    .option('--port <n>', 'port to listen on (0: any free port)', port, 8787)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--token <token>', 'the bearer token clients must send (default: $YQCLOUD_RX_TOKEN)')
    .option('--no-auth', 'no authorisation at all (loopback hosts only)')
    .option('--cors <origin...>', 'origins whose pages may call (exact, such as https://app.example.com)', [])
    .option('--endpoint <url>', 'another endpoint of the service (an emulator, a mirror)')
    .option('--headers-timeout <ms>', 'milliseconds a client may take to send its headers', milliseconds, 10_000)
    .option('--request-timeout <ms>', 'milliseconds a client may take to send its whole request', milliseconds, 30_000)
    .option('--body-timeout <ms>', 'milliseconds a request body may take to arrive', milliseconds, 20_000)
    .option('--keep-alive-timeout <ms>', 'milliseconds an idle kept-alive connection stays open', milliseconds, 5_000)
    .option(
      '--redis <url>',
      'share limits, conversations and replies with every serve on this Redis (default: $REDIS_URL)',
    )
    .option('--redis-required', 'while Redis is away, refuse (503) instead of counting limits per instance')
    .option(
      '--max-streams <n>',
      'replies in progress per client, across routes, streamed or not (each holds a stream from the service)',
      count,
      4,
    )
    .option(
      '--upstream-timeout <ms>',
      'milliseconds the service may take to start a reply, and stay silent within one',
      milliseconds,
      60_000,
    )
    .option('--model-alias <alias=model>', 'answer ALIAS with MODEL on /v1, such as gpt-4o=gpt-4 (repeatable)', alias)
    .option('--no-access-log', 'print no line per request')
    .option('--max-requests-per-minute <n>', 'requests one client may send per minute (default: no limit)', count)
    .option(
      '--reply-producer-ttl <ms>',
      'milliseconds a reply’s producer may go unheard before its readers end the reply (at most 30000)',
      milliseconds,
      10_000,
    )
    .option('--metrics-port <n>', 'serve Prometheus metrics (GET /metrics) on 127.0.0.1 at this port', port)
    .addOption(
      new Option('--emulator', 'start the embedded emulator and serve its replies (no network needed)').conflicts(
        'endpoint',
      ),
    )
    .action(async (options: ServeOptions) => {
      // The server's modules are imported only when `serve` runs: `chat` loads none of them.
      const { runServe } = await import('./serve.js');
      await runServe(options);
    });
