// The OpenTelemetry SDK registered as an app would (see otel-sdk.ts), or one half of it: the
// otel-sdk-traces and otel-sdk-metrics variants split the SDK's cost between the two signals.
import { context, metrics, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { type ExportResult, ExportResultCode, W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";

const ok = (done: (result: ExportResult) => void) => done({ code: ExportResultCode.SUCCESS });
const dropSpans: SpanExporter = { export: (_spans, done) => ok(done), shutdown: async () => {} };
const dropMetrics: PushMetricExporter = {
  export: (_metrics, done) => ok(done),
  forceFlush: async () => {},
  shutdown: async () => {},
  selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
};

/** Registers the SDK's tracing (context manager, W3C propagator, tracer provider), its metrics, or both. */
export function registerSdk(signals: { traces: boolean; metrics: boolean }): void {
  if (signals.traces) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(
      new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: dropSpans })] }),
    );
  }
  if (signals.metrics) {
    metrics.setGlobalMeterProvider(
      new MeterProvider({
        readers: [new PeriodicExportingMetricReader({ exporter: dropMetrics, exportIntervalMillis: 1000 })],
      }),
    );
  }
}
