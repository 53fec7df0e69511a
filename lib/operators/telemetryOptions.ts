/**
 * The options of the telemetry (the `withTelemetry` operator's and a provider's `telemetry`),
 * and their reading.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import type { SchedulerLike } from 'rxjs';
import { asyncScheduler } from '#rx';
import { optional, readOptions, type Check } from '../core/optionCheck.js';
import type { TelemetryMeter, TelemetryTracer } from './openTelemetryShapes.js';
import { schedulerOption } from './options.js';

/**
 * Where the telemetry of replies goes and what it records. Prompt and reply text, and the
 * conversation's id, are recorded only when asked for.
 *
 * @example
 * ```ts
 * import { metrics, trace } from '@opentelemetry/api';
 * const telemetry: TelemetryOptions = { tracer: trace.getTracer('my-app'), meter: metrics.getMeter('my-app') };
 * ```
 */
export interface TelemetryOptions {
  /** Makes a span per reply (an OpenTelemetry `Tracer`). */
  readonly tracer?: TelemetryTracer | undefined;
  /** Records the duration and time-to-first-chunk histograms (an OpenTelemetry `Meter`). */
  readonly meter?: TelemetryMeter | undefined;
  /**
   * Records the prompt and the reply on the span (`gen_ai.system_instructions`,
   * `gen_ai.input.messages`, `gen_ai.output.messages`). Default `false`: they may be personal data.
   */
  readonly recordContent?: boolean | undefined;
  /**
   * Records the conversation's `userId` as `gen_ai.conversation.id`. Default `false`: whoever has
   * it can continue the conversation.
   */
  readonly recordConversationId?: boolean | undefined;
  /** The clock of the timings (default `asyncScheduler`; a `TestScheduler` in marble tests). */
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * Telemetry options after reading, defaults filled.
 */
export interface TelemetrySettings {
  readonly tracer: TelemetryTracer | undefined;
  readonly meter: TelemetryMeter | undefined;
  readonly recordContent: boolean;
  readonly recordConversationId: boolean;
  readonly scheduler: SchedulerLike;
}

const hasMethod =
  <A>(name: string) =>
  (u: unknown): u is A => {
    try {
      return typeof u === 'object' && u !== null && typeof (u as Record<string, unknown>)[name] === 'function';
    } catch {
      return false;
    }
  };

/**
 * The reader of each option.
 */
export const telemetryOptionReaders = {
  tracer: optional('an OpenTelemetry Tracer', hasMethod<TelemetryTracer>('startActiveSpan')),
  meter: optional('an OpenTelemetry Meter', hasMethod<TelemetryMeter>('createHistogram')),
  recordContent: optional('a boolean', (u): u is boolean => typeof u === 'boolean'),
  recordConversationId: optional('a boolean', (u): u is boolean => typeof u === 'boolean'),
  scheduler: schedulerOption,
};

/**
 * The options as their readers give them.
 */
export type ReadTelemetry = {
  readonly tracer: TelemetryTracer | undefined;
  readonly meter: TelemetryMeter | undefined;
  readonly recordContent: boolean | undefined;
  readonly recordConversationId: boolean | undefined;
  readonly scheduler: SchedulerLike | undefined;
};

/**
 * Options as read, defaults filled.
 */
export const settingsOf = (read: ReadTelemetry): TelemetrySettings => ({
  tracer: read.tracer,
  meter: read.meter,
  recordContent: read.recordContent ?? false,
  recordConversationId: read.recordConversationId ?? false,
  scheduler: read.scheduler ?? asyncScheduler,
});

/**
 * Reads telemetry options (a provider's `telemetry`), refusing unknown keys.
 */
export const readTelemetryOptions = (path: string, u: unknown): Check<TelemetrySettings> =>
  E.map(settingsOf)(readOptions(path, u, telemetryOptionReaders));
