#!/usr/bin/env node
/**
 * The `yqcloud-rx` command line: `chat` streams a reply to the terminal (from the real service,
 * another endpoint, or the embedded emulator); `emulator` serves the emulator standalone.
 *
 * @example
 * ```ts no-run
 * // $ yqcloud-rx chat --emulator "Hello there"
 * // $ echo "Hello" | yqcloud-rx chat --json
 * // $ yqcloud-rx emulator --port 8080
 * ```
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Emulator } from '../emulator/index.js';
import { apiEndpointVariable, logVariable } from '../index.js';
import { runChat, type ChatOptions } from './chat.js';
import { terminalLine } from './terminalText.js';
import { exitCodes, exitCodeTable } from './exitCodes.js';
import { serveCommand } from './serveCommand.js';

const positive =
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };

const count = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number, 0 or more');
  return n;
};

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('must be a port number, 0 to 65535');
  return n;
};

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(exitCodes.ok);
  throw e;
});

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  readonly version: string;
};

/** The environment variables `chat` reads, for its help. */
const environmentTable = [
  `  ${apiEndpointVariable}  the endpoint when neither --endpoint nor --emulator is given (default: the service)`,
  `  ${logVariable}        debug: one stderr line per request step (no bodies, no secrets); off: none`,
  '  NO_COLOR              no colours in error messages',
].join('\n');

const program = new Command('yqcloud-rx')
  .description('Chat with the Yqcloud service (or its embedded emulator), streaming the reply as it arrives.')
  .version(version, '-V, --version', 'print the version of yqcloud-rx')
  .exitOverride((e) => {
    process.exit(e.exitCode === 0 ? 0 : exitCodes.InvalidRequest);
  })
  // Usage errors echo the arguments: no control character of theirs reaches the terminal either.
  .configureOutput({ outputError: (text, write) => write(terminalLine(text)) });

program
  .command('chat')
  .description('stream a reply to a prompt; with no prompt on a terminal, start a REPL that keeps the conversation')
  .argument('[prompt...]', 'the prompt (read from stdin when it is piped and no prompt is given)')
  .option('--system <text>', 'a system message for a new conversation')
  .option('--model <name>', 'the model (default gpt-4, the only one the service serves)')
  .option(
    '--endpoint <url>',
    'another endpoint (an emulator, a mirror; default: $YQCLOUD_API_ENDPOINT, else the service)',
  )
  .addOption(
    new Option('--emulator', 'start the embedded emulator and talk to it (no network needed)').conflicts('endpoint'),
  )
  .option('--proxy <url>', 'a proxy: http://user:pass@host:port, https://…, socks5://…, socks4://…')
  .option('--conversation <file>', 'load the conversation from FILE if it exists, and save it after each reply')
  .option('--json', 'print one JSON line per chunk (text, conversation, finish last) instead of plain text')
  .addOption(
    new Option('--first-chunk-timeout <seconds>', 'fail if no chunk arrives within this time (default 60)').argParser(
      positive('--first-chunk-timeout'),
    ),
  )
  .addOption(
    new Option('--idle-timeout <seconds>', 'fail if the reply stalls this long').argParser(positive('--idle-timeout')),
  )
  .addOption(new Option('--timeout <seconds>', 'fail if the whole reply takes longer').argParser(positive('--timeout')))
  .addOption(
    new Option(
      '--retries <n>',
      'retry transient failures before any text (network, 408/425/429/5xx, first-chunk timeout)',
    ).argParser(count),
  )
  .addOption(
    new Option(
      '--max-messages <n>',
      'send at most the newest N messages of the history (whole turns, system kept)',
    ).argParser(count),
  )
  .addOption(
    new Option('--max-chars <n>', 'send a prompt of at most N characters (the newest whole turns that fit)').argParser(
      count,
    ),
  )
  .option('--no-color', 'no colours in error messages (also when NO_COLOR is set)')
  .addHelpText('after', `\nEnvironment:\n${environmentTable}\n\nExit codes:\n${exitCodeTable()}\n`)
  .action(async (prompt: ReadonlyArray<string>, options: ChatOptions) => {
    process.exitCode = await runChat(prompt, options, process);
  });

program
  .command('emulator')
  .description('serve the emulator of the service until Ctrl-C, printing its endpoint')
  .addOption(new Option('--port <n>', 'port to listen on').argParser(port).default(0, 'any free port'))
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option(
    '--fault <fault>',
    'answer every request with this fault, unless it carries an x-emulator-fault header: ' +
      'a name (ban, abnormal-traffic, html, status, reset, hang, split-utf8, slow) or the fault as JSON',
  )
  .action(
    async (options: { readonly port: number; readonly host: string; readonly fault?: string }, command: Command) => {
      // The emulator is imported when this command runs (`chat` loads it only with --emulator), so
      // --fault is parsed here, refused as commander refuses an option's argument.
      const { faultFromHeader, startEmulator } = await import('../emulator/index.js');
      const fault = options.fault === undefined ? undefined : faultFromHeader(options.fault);
      if (fault?._tag === 'Left')
        command.error(`error: option '--fault <fault>' argument '${options.fault}' is invalid. ${fault.left}`, {
          exitCode: exitCodes.InvalidRequest,
          code: 'commander.invalidArgument',
        });
      let emulator: Emulator;
      try {
        emulator = await startEmulator({
          port: options.port,
          host: options.host,
          ...(fault?._tag === 'Right' ? { fault: fault.right } : {}),
        });
      } catch (e: unknown) {
        process.stderr.write(
          `${terminalLine(`yqcloud-rx: cannot listen on ${options.host}:${options.port}: ${e instanceof Error ? e.message : String(e)}`)}\n`,
        );
        process.exitCode = exitCodes.unexpected;
        return;
      }
      process.stdout.write(`yqcloud-rx emulator listening on ${emulator.apiEndpoint}\n`);
      const stop = (): void => {
        void emulator.close().then(() => process.exit(exitCodes.ok));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
  );

program.addCommand(serveCommand().copyInheritedSettings(program));

program.addHelpText('after', `\nExit codes of chat:\n${exitCodeTable()}\n`);

await program.parseAsync(process.argv);
