/**
 * The `chat` command: one prompt (from the arguments or stdin) or a REPL on a terminal, the reply
 * streamed to stdout as it arrives.
 *
 * @module
 */
import * as readline from 'node:readline';
import type { OperatorFunction, Subscription } from 'rxjs';
import { identity } from '#rx';
import {
  defaultFirstChunkTimeoutMs,
  nodeTransport,
  retryTransient,
  withTimeouts,
  YqcloudError,
  YqcloudProvider,
  Conversation,
  type Chunk,
  type Message,
  type NodeTransport,
} from '../index.js';
import type { Emulator } from '../emulator/index.js';
import { checkSavable, loadConversation, saveConversation } from './conversationFile.js';
import { describeError } from './describeError.js';
import { exitCodes } from './exitCodes.js';
import { startSpinner } from './spinner.js';
import { stripControls, terminalLine } from './terminalText.js';

/**
 * The options of `yqcloud-rx chat`, as parsed.
 */
export interface ChatOptions {
  readonly system?: string | undefined;
  readonly model?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly emulator?: boolean | undefined;
  readonly proxy?: string | undefined;
  readonly conversation?: string | undefined;
  readonly json?: boolean | undefined;
  /** Seconds. */
  readonly firstChunkTimeout?: number | undefined;
  /** Seconds. */
  readonly idleTimeout?: number | undefined;
  /** Seconds. */
  readonly timeout?: number | undefined;
  readonly retries?: number | undefined;
  readonly color?: boolean | undefined;
  /** The history budget (`--max-messages`, `--max-chars`). */
  readonly maxMessages?: number | undefined;
  readonly maxChars?: number | undefined;
}

/**
 * Where the command reads and writes (the process's streams, or a test's).
 */
export interface ChatIo {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

interface Session {
  readonly provider: YqcloudProvider;
  readonly transport: NodeTransport;
  readonly emulator: Emulator | undefined;
  readonly pipeline: OperatorFunction<Chunk, Chunk>;
  conversation: Conversation | undefined;
}

type TurnOutcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'cancelled' };

const seconds = (s: number | undefined): number | undefined => (s === undefined ? undefined : Math.round(s * 1000));

const readAll = async (stream: NodeJS.ReadStream): Promise<string> => {
  const pieces: Array<Buffer> = [];
  for await (const piece of stream) pieces.push(Buffer.from(piece as Buffer));
  return Buffer.concat(pieces).toString('utf8');
};

/** An error line for stderr: secrets redacted, control characters stripped, red on a colour terminal. */
const errorLine = (io: ChatIo, options: ChatOptions, text: string): string => {
  const line = terminalLine(text);
  return `${
    options.color !== false && io.stderr.isTTY === true && process.env.NO_COLOR === undefined
      ? `\x1b[31m${line}\x1b[0m`
      : line
  }\n`;
};

const noPrompt = 'yqcloud-rx: InvalidRequest: no prompt (give it as arguments or on stdin)\n';

const exitCodeOf = (e: unknown): number => (e instanceof YqcloudError ? exitCodes[e.kind] : exitCodes.unexpected);

/** Opens what a session needs; what can fail is checked first, so nothing is left open on failure. */
const openSession = async (options: ChatOptions): Promise<Session> => {
  const file = options.conversation;
  const conversation = file === undefined ? undefined : await loadConversation(file);
  if (file !== undefined) await checkSavable(file);
  // Operators throw a bad option when made: before anything is opened.
  const timeouts =
    options.idleTimeout === undefined && options.timeout === undefined
      ? identity
      : withTimeouts({ idleMs: seconds(options.idleTimeout), totalMs: seconds(options.timeout) });
  const retries =
    options.retries === undefined || options.retries === 0 ? identity : retryTransient({ maxRetries: options.retries });
  // The emulator is imported only when asked for: a chat with the service loads nothing of it.
  const emulator =
    options.emulator === true
      ? await (await import('../emulator/index.js')).startEmulator({ pieceChars: 3, delayMs: 35 })
      : undefined;
  const endpoint = emulator?.apiEndpoint ?? options.endpoint;
  // One limit for the wait before the reply, the one the waiting line shows: the provider's
  // deadlines for its answer and for its first chunk (default 60 s), so the flag can also lengthen them.
  const firstChunkTimeoutMs = seconds(options.firstChunkTimeout) ?? defaultFirstChunkTimeoutMs;
  // Node's own HTTP client (the proxies and the transport contract included) rather than the
  // library's default, axios: a one-shot chat does not pay axios's import.
  const transport = nodeTransport();
  const provider = new YqcloudProvider({
    ...(endpoint === undefined ? {} : { apiEndpoint: endpoint }),
    firstChunkTimeoutMs,
    headersTimeoutMs: firstChunkTimeoutMs,
    transport,
  });
  return {
    provider,
    transport,
    emulator,
    pipeline: (source) => source.pipe(timeouts, retries),
    conversation,
  };
};

const closeSession = async (session: Session): Promise<void> => {
  session.provider.destroy();
  session.transport.destroy();
  await session.emulator?.close();
};

/**
 * Sends one prompt and streams its reply; resolves with how the turn ended. `cancel` is set to a
 * function that aborts the turn (for Ctrl-C).
 */
const runTurn = (
  session: Session,
  options: ChatOptions,
  io: ChatIo,
  prompt: string,
  onCancel: (cancel: () => void) => void,
): Promise<TurnOutcome> =>
  new Promise<TurnOutcome>((resolve) => {
    const messages: ReadonlyArray<Message> =
      options.system !== undefined && session.conversation === undefined
        ? [
            { role: 'system', content: options.system },
            { role: 'user', content: prompt },
          ]
        : [{ role: 'user', content: prompt }];
    const spinner =
      options.json === true
        ? { stop: () => undefined }
        : startSpinner(io.stderr, {
            limitSeconds: options.firstChunkTimeout ?? defaultFirstChunkTimeoutMs / 1000,
            flag: '--first-chunk-timeout',
          });
    let wroteText = false;
    let saving: Promise<void> = Promise.resolve();
    let subscription: Subscription | undefined;

    const finish = (outcome: TurnOutcome): void => {
      spinner.stop();
      if (wroteText && options.json !== true) io.stdout.write('\n');
      saving.then(
        () => resolve(outcome),
        (e: unknown) => resolve({ kind: 'failed', error: e }),
      );
    };

    onCancel(() => {
      subscription?.unsubscribe();
      finish({ kind: 'cancelled' });
    });

    subscription = session.provider
      .create({
        messages,
        model: options.model,
        proxy: options.proxy,
        conversation: session.conversation,
        returnConversation: true,
        historyBudget: { maxMessages: options.maxMessages, maxChars: options.maxChars },
      })
      .pipe(session.pipeline)
      .subscribe({
        next: (chunk) => {
          spinner.stop();
          if (options.json === true) {
            const line =
              chunk.type === 'conversation'
                ? { type: 'conversation', conversation: Conversation.toJson(chunk.conversation) }
                : chunk;
            io.stdout.write(`${JSON.stringify(line)}\n`);
          } else if (chunk.type === 'text') {
            // A terminal gets no control characters from the service; a pipe gets the bytes as sent.
            io.stdout.write(io.stdout.isTTY === true ? stripControls(chunk.text) : chunk.text);
            wroteText = true;
          }
          if (chunk.type === 'conversation') {
            session.conversation = chunk.conversation;
            const file = options.conversation;
            if (file !== undefined) saving = saving.then(() => saveConversation(file, chunk.conversation));
          }
        },
        error: (error: unknown) => finish({ kind: 'failed', error }),
        complete: () => finish({ kind: 'done' }),
      });
  });

const report = (io: ChatIo, options: ChatOptions, outcome: TurnOutcome): number => {
  if (outcome.kind === 'done') return exitCodes.ok;
  if (outcome.kind === 'cancelled') {
    io.stderr.write('cancelled\n');
    return exitCodes.interrupted;
  }
  io.stderr.write(errorLine(io, options, `yqcloud-rx: ${describeError(outcome.error, options)}`));
  return exitCodeOf(outcome.error);
};

const oneShot = async (session: Session, options: ChatOptions, io: ChatIo, prompt: string): Promise<number> => {
  let cancel: (() => void) | undefined;
  const onSigint = (): void => cancel?.();
  process.on('SIGINT', onSigint);
  try {
    const outcome = await runTurn(session, options, io, prompt, (c) => (cancel = c));
    return report(io, options, outcome);
  } finally {
    process.off('SIGINT', onSigint);
  }
};

const repl = (session: Session, options: ChatOptions, io: ChatIo): Promise<number> =>
  new Promise<number>((resolve) => {
    const rl = readline.createInterface({ input: io.stdin, output: io.stdout, prompt: 'you> ', terminal: true });
    let cancel: (() => void) | undefined;
    let turn: Promise<void> = Promise.resolve();
    let closed = false;
    let last: number = exitCodes.ok;
    io.stderr.write('yqcloud-rx chat — type a message; Ctrl-C cancels a reply, Ctrl-C again (or Ctrl-D) exits.\n');
    rl.on('SIGINT', () => {
      if (cancel !== undefined) {
        cancel();
        return;
      }
      rl.close();
    });
    rl.on('line', (line) => {
      const prompt = line.trim();
      if (prompt === '' || cancel !== undefined) {
        if (cancel === undefined) rl.prompt();
        return;
      }
      turn = runTurn(session, options, io, prompt, (c) => (cancel = c)).then((outcome) => {
        cancel = undefined;
        last = report(io, options, outcome);
        // A prompt after close would resume stdin and keep the process alive.
        if (!closed) rl.prompt();
      });
    });
    rl.on('close', () => {
      closed = true;
      cancel?.();
      void turn.then(() => {
        io.stdout.write('\n');
        resolve(last === exitCodes.interrupted ? exitCodes.ok : last);
      });
    });
    rl.prompt();
  });

/**
 * Runs `yqcloud-rx chat`: resolves with the process's exit code.
 */
export const runChat = async (
  promptWords: ReadonlyArray<string>,
  options: ChatOptions,
  io: ChatIo,
): Promise<number> => {
  const given = promptWords.join(' ');
  // An empty argument ("") is refused as empty stdin is, before anything is opened.
  if (promptWords.length > 0 && given.trim() === '') {
    io.stderr.write(noPrompt);
    return exitCodes.InvalidRequest;
  }
  let session: Session;
  try {
    session = await openSession(options);
  } catch (e: unknown) {
    io.stderr.write(errorLine(io, options, `yqcloud-rx: ${describeError(e, options)}`));
    return exitCodeOf(e);
  }
  try {
    if (promptWords.length > 0) return await oneShot(session, options, io, given);
    if (io.stdin.isTTY === true) return await repl(session, options, io);
    const prompt = (await readAll(io.stdin)).trim();
    if (prompt === '') {
      io.stderr.write(noPrompt);
      return exitCodes.InvalidRequest;
    }
    return await oneShot(session, options, io, prompt);
  } finally {
    await closeSession(session);
  }
};
