/**
 * What a provider watches on each reply: the diagnostics channels (always, when someone listens)
 * and OpenTelemetry (when its `telemetry` option is set).
 *
 * @module
 */
import type { OperatorFunction } from 'rxjs';
import { asyncScheduler } from '#rx';
import type { Chunk } from '../core/chunk.js';
import { replyChannelsWatch } from '#replyChannels';
import type { ReplyFacts, ReplyTelemetry } from '../operators/replyTelemetry.js';
import { watchReply, type ReplyWatch } from '../operators/watchReply.js';

/**
 * The operator a provider applies to one reply: its telemetry (if any) outermost, so the
 * channels' `start` is published inside the reply's span.
 */
export const observeReply = (
  telemetry: ReplyTelemetry | undefined,
  facts: ReplyFacts,
): OperatorFunction<Chunk, Chunk> =>
  watchReply(() => {
    const watches: Array<ReplyWatch> = [];
    const recorded = telemetry?.watch(facts);
    if (recorded !== undefined) watches.push(recorded);
    const channels = replyChannelsWatch(facts);
    if (channels !== undefined) watches.push(channels);
    return watches;
  }, telemetry?.settings.scheduler ?? asyncScheduler);
