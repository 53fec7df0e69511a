/**
 * The parts of OpenTelemetry's API (`@opentelemetry/api` 1.x) that the telemetry of yqcloud-rx
 * calls, as structural types: a `Tracer` and a `Meter` from the real API fit them, and neither
 * the library nor its type declarations import the API, so a program (or a compiler) without
 * it installed needs nothing of it.
 *
 * @module
 */

/**
 * A span or metric attribute's value.
 *
 * @example
 * ```ts
 * const reasons: TelemetryAttributeValue = ['stop'];
 * ```
 */
export type TelemetryAttributeValue = string | number | boolean | Array<string>;

/**
 * Span or metric attributes, by name.
 *
 * @example
 * ```ts
 * const attributes: TelemetryAttributes = { 'gen_ai.operation.name': 'chat' };
 * ```
 */
export type TelemetryAttributes = { [name: string]: TelemetryAttributeValue | undefined };

/**
 * What the telemetry does with a span (an OpenTelemetry `Span` fits).
 *
 * @example
 * ```ts
 * const close = (span: TelemetrySpan): void => span.end();
 * ```
 */
export interface TelemetrySpan {
  /** Sets attributes of the span. */
  setAttributes(attributes: TelemetryAttributes): unknown;
  /** Sets the span's status (`code` 2: error). */
  setStatus(status: { code: number; message?: string }): unknown;
  /** Records an exception as a span event. */
  recordException(exception: { name?: string; message?: string }): void;
  /** Ends the span. */
  end(): void;
}

/**
 * What the telemetry needs of a tracer (an OpenTelemetry `Tracer` fits): a span made the active
 * one while the reply is subscribed, so spans the request causes (an HTTP client's) are its children.
 *
 * @example
 * ```ts
 * import { trace } from '@opentelemetry/api';
 * const tracer: TelemetryTracer = trace.getTracer('my-app');
 * ```
 */
export interface TelemetryTracer {
  /**
   * Starts a span, makes it the active one while `fn` runs, and returns what `fn` returns.
   *
   * @typeParam F - the function run with the span active
   */
  startActiveSpan<F extends (span: TelemetrySpan) => unknown>(
    name: string,
    options: { kind?: number; attributes?: TelemetryAttributes },
    fn: F,
  ): ReturnType<F>;
}

/**
 * A histogram (an OpenTelemetry `Histogram` fits).
 *
 * @example
 * ```ts
 * const record = (histogram: TelemetryHistogram): void => histogram.record(0.25, { 'error.type': 'Timeout' });
 * ```
 */
export interface TelemetryHistogram {
  /** Records one value, with the attributes it is counted under. */
  record(value: number, attributes?: TelemetryAttributes): void;
}

/**
 * What the telemetry needs of a meter (an OpenTelemetry `Meter` fits).
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * const meter: TelemetryMeter = metrics.getMeter('my-app');
 * ```
 */
export interface TelemetryMeter {
  /** A histogram named `name`. */
  createHistogram(
    name: string,
    options?: { description?: string; unit?: string; advice?: { explicitBucketBoundaries?: Array<number> } },
  ): TelemetryHistogram;
}

/**
 * OpenTelemetry's `SpanKind.CLIENT` and `SpanStatusCode.ERROR`, as the numbers the API defines.
 */
export const spanCodes = { kindClient: 2, kindServer: 1, statusError: 2 } as const;
