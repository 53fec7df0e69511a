/**
 * The diagnostics channels in a browser bundle (`#replyChannels` under the `browser` condition):
 * a page has no `node:diagnostics_channel`, so nothing is published and nothing is bundled for it.
 *
 * @module
 */
import type { ReplyWatch } from './watchReply.js';

/**
 * No watcher: a browser has no diagnostics channels.
 */
export const replyChannelsWatch = (_facts: {
  readonly model: string;
  readonly endpoint: string | undefined;
}): ReplyWatch | undefined => undefined;
