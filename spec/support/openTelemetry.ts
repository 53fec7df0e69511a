import { context, propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** A reader that collects when asked (the SDK's readers are abstract or periodic). */
class ManualReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** One histogram's points: attributes, count, sum, and the bucket counts. */
export interface HistogramPoint {
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly count: number;
  readonly sum: number;
  readonly boundaries: ReadonlyArray<number>;
}

/**
 * The real OpenTelemetry SDK with in-memory exporters: a tracer whose finished spans are kept,
 * and a meter whose histograms are read on demand.
 */
export const openTelemetry = () => {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const reader = new ManualReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracer: tracerProvider.getTracer('yqcloud-rx-spec'),
    meter: meterProvider.getMeter('yqcloud-rx-spec'),
    finishedSpans: (): ReadonlyArray<ReadableSpan> => spans.getFinishedSpans(),
    clearSpans: (): void => spans.reset(),
    /** The points of the histogram called `name`, from a fresh collection. */
    histogram: async (name: string): Promise<ReadonlyArray<HistogramPoint>> => {
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .find((m) => m.descriptor.name === name);
      if (metric === undefined || metric.dataPointType !== DataPointType.HISTOGRAM) return [];
      return (metric as HistogramMetricData).dataPoints.map((point) => ({
        attributes: point.attributes,
        count: point.value.count,
        sum: point.value.sum ?? Number.NaN,
        boundaries: point.value.buckets.boundaries,
      }));
    },
    shutdown: async (): Promise<void> => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
};

/** Makes `context.active()` follow async work (as a Node SDK does) until the returned function is called. */
export const asyncContext = (): (() => void) => {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  return () => {
    context.disable();
  };
};

/**
 * What a Node SDK sets up for distributed traces: the async context manager and the W3C
 * `traceparent` propagator, until the returned function is called.
 */
export const traceContext = (): (() => void) => {
  const stopContext = asyncContext();
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return () => {
    propagation.disable();
    stopContext();
  };
};
