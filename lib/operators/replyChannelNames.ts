/**
 * The diagnostics channels every reply of a provider is published on, and their messages.
 *
 * @module
 */
import type { ReplyOutcome } from './watchReply.js';

/**
 * The channels' names.
 *
 * @example
 * ```ts
 * import diagnostics from 'node:diagnostics_channel';
 * diagnostics.subscribe(replyChannelNames.end, (message) => console.log(message));
 * ```
 */
export const replyChannelNames = {
  start: 'yqcloud-rx:reply:start',
  firstChunk: 'yqcloud-rx:reply:first-chunk',
  error: 'yqcloud-rx:reply:error',
  end: 'yqcloud-rx:reply:end',
} as const;

/**
 * The reply a message is about: the same object in every message of one reply.
 *
 * @example
 * ```ts
 * const label = (r: ReplyChannelReply): string => `#${r.id} ${r.model}`;
 * ```
 */
export interface ReplyChannelReply {
  /** A number, counting from 1, unique in the process. */
  readonly id: number;
  readonly provider: 'yqcloud';
  readonly model: string;
  /** The host the request goes to (no credentials, no path), when known. */
  readonly serverAddress: string | undefined;
}

/**
 * What each channel publishes. `end` comes last for every reply, after `error` when it failed.
 * Times are milliseconds.
 *
 * @example
 * ```ts
 * const onEnd = (m: ReplyChannelMessages['end']) => console.log(m.reply.id, m.outcome, m.durationMs);
 * ```
 */
export interface ReplyChannelMessages {
  readonly start: { readonly reply: ReplyChannelReply };
  readonly firstChunk: { readonly reply: ReplyChannelReply; readonly timeToFirstChunkMs: number };
  /** The error is a `YqcloudError` (no secret in it) when it came from yqcloud-rx. */
  readonly error: { readonly reply: ReplyChannelReply; readonly error: unknown };
  readonly end: {
    readonly reply: ReplyChannelReply;
    readonly outcome: ReplyOutcome;
    readonly durationMs: number;
    readonly timeToFirstChunkMs: number | undefined;
    readonly chunks: number;
    readonly characters: number;
  };
}
