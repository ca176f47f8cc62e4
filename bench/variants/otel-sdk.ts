// rpcgen with @rpcgen/runtime/otel's interceptors and the OpenTelemetry SDK registered as an app would:
// every call sampled (the default parent-based always-on sampler), spans through a batch
// processor to an exporter that drops them, durations aggregated by a periodic reader whose
// exporter drops them too, W3C propagation and the AsyncLocalStorage context manager. What
// tracing costs short of the export itself.
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
import { otelInterceptors } from "./otel-api.js";
import { rpcgenVariant } from "./rpcgen.js";
import type { Variant } from "./types.js";

const ok = (done: (result: ExportResult) => void) => done({ code: ExportResultCode.SUCCESS });
const dropSpans: SpanExporter = { export: (_spans, done) => ok(done), shutdown: async () => {} };
const dropMetrics: PushMetricExporter = {
  export: (_metrics, done) => ok(done),
  forceFlush: async () => {},
  shutdown: async () => {},
  selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
};

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(
  new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: dropSpans })] }),
);
metrics.setGlobalMeterProvider(
  new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: dropMetrics, exportIntervalMillis: 1000 })],
  }),
);

export const variant: Variant = rpcgenVariant(otelInterceptors);
