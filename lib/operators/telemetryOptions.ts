/**
 * The options of the telemetry (the `withTelemetry` operator's and a provider's `telemetry`),
 * and their reading.
 *
 * @module
 */
import * as E from '#fp-ts/Either.js';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { invalidRequest } from '../core/error.js';
import type { TelemetryMeter, TelemetryTracer } from './openTelemetryShapes.js';
import { readOptions, schedulerOption, type Checked, type OptionReader } from './options.js';

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
 *
 * @example
 * ```ts
 * const settings: TelemetrySettings = { tracer, meter, recordContent: false, recordConversationId: false, scheduler: asyncScheduler };
 * ```
 */
export interface TelemetrySettings {
  readonly tracer: TelemetryTracer | undefined;
  readonly meter: TelemetryMeter | undefined;
  readonly recordContent: boolean;
  readonly recordConversationId: boolean;
  readonly scheduler: SchedulerLike;
}

const hasMethod = (u: unknown, name: string): boolean => {
  try {
    return typeof u === 'object' && u !== null && typeof (u as Record<string, unknown>)[name] === 'function';
  } catch {
    return false;
  }
};

const objectWith =
  <A>(method: string, expected: string): OptionReader<A | undefined> =>
  (path, u) =>
    u === undefined || hasMethod(u, method)
      ? E.right(u as A | undefined)
      : E.left(invalidRequest(path, `expected ${expected}`));

const booleanOption: OptionReader<boolean | undefined> = (path, u) =>
  u === undefined || typeof u === 'boolean' ? E.right(u) : E.left(invalidRequest(path, 'expected a boolean'));

/**
 * The reader of each option.
 *
 * @example
 * ```ts
 * readOptions('telemetry', { tracer }, telemetryOptionReaders);
 * ```
 */
export const telemetryOptionReaders = {
  tracer: objectWith<TelemetryTracer>('startActiveSpan', 'an OpenTelemetry Tracer'),
  meter: objectWith<TelemetryMeter>('createHistogram', 'an OpenTelemetry Meter'),
  recordContent: booleanOption,
  recordConversationId: booleanOption,
  scheduler: schedulerOption,
};

/**
 * The options as their readers give them.
 *
 * @example
 * ```ts
 * const read: ReadTelemetry = { tracer, meter, recordContent: true, recordConversationId: undefined, scheduler: undefined };
 * ```
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
 *
 * @example
 * ```ts
 * settingsOf({ tracer, meter: undefined, recordContent: undefined, recordConversationId: undefined, scheduler: undefined }).recordContent; // false
 * ```
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
 *
 * @example
 * ```ts
 * readTelemetryOptions('telemetry', { tracer }); // right({ tracer, meter: undefined, recordContent: false, … })
 * ```
 */
export const readTelemetryOptions = (path: string, u: unknown): Checked<TelemetrySettings> =>
  E.map(settingsOf)(readOptions(path, u, telemetryOptionReaders));
