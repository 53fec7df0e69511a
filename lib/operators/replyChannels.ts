/**
 * Each reply's lifecycle published on `node:diagnostics_channel`, for tools that watch a process
 * without OpenTelemetry (an APM agent, a test, a logger). Node only: the module is taken with
 * `process.getBuiltinModule` (Node 20.16+) the first time a reply is watched, and a reply with no
 * subscriber costs one check. A browser bundle gets `replyChannels.browser.ts` instead (through
 * the `browser` condition of `package.json`'s `imports`), which publishes nothing.
 *
 * @module
 */
import { replyChannelNames, type ReplyChannelReply } from './replyChannelNames.js';
import type { ReplyWatch } from './watchReply.js';

interface Channel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

type Channels = { readonly [K in keyof typeof replyChannelNames]: Channel };

interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
}

let found: Channels | null | undefined;

const channels = (): Channels | null => {
  if (found !== undefined) return found;
  found = null;
  try {
    const process = (globalThis as { readonly process?: NodeProcess }).process;
    const module = process?.getBuiltinModule?.('diagnostics_channel') as
      | { channel?: (name: string) => Channel }
      | undefined;
    const channel = module?.channel;
    if (typeof channel === 'function')
      found = {
        start: channel(replyChannelNames.start),
        firstChunk: channel(replyChannelNames.firstChunk),
        error: channel(replyChannelNames.error),
        end: channel(replyChannelNames.end),
      };
  } catch {
    // Not Node, or a Node without getBuiltinModule: nothing to publish on.
  }
  return found;
};

let lastId = 0;

const hostOf = (endpoint: string | undefined): string | undefined =>
  endpoint !== undefined && URL.canParse(endpoint) ? new URL(endpoint).hostname.replace(/^\[(.*)\]$/, '$1') : undefined;

/**
 * The watcher that publishes one reply on the channels, or `undefined` when no channel has a
 * subscriber (or there are no channels).
 */
export const replyChannelsWatch = (facts: {
  readonly model: string;
  readonly endpoint: string | undefined;
}): ReplyWatch | undefined => {
  const c = channels();
  if (
    c === null ||
    !(c.start.hasSubscribers || c.firstChunk.hasSubscribers || c.error.hasSubscribers || c.end.hasSubscribers)
  )
    return undefined;
  lastId++;
  const reply: ReplyChannelReply = Object.freeze({
    id: lastId,
    provider: 'yqcloud',
    model: facts.model,
    serverAddress: hostOf(facts.endpoint),
  });
  return {
    start: (subscribe) => {
      if (c.start.hasSubscribers) c.start.publish({ reply });
      subscribe();
    },
    firstChunk: (timeToFirstChunkMs) => {
      if (c.firstChunk.hasSubscribers) c.firstChunk.publish({ reply, timeToFirstChunkMs });
    },
    end: ({ outcome, error, durationMs, timeToFirstChunkMs, chunks, characters }) => {
      if (outcome === 'error' && c.error.hasSubscribers) c.error.publish({ reply, error });
      if (c.end.hasSubscribers) c.end.publish({ reply, outcome, durationMs, timeToFirstChunkMs, chunks, characters });
    },
  };
};
