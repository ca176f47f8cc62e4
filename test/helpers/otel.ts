// The real OpenTelemetry SDK, registered globally as an app's setup would: spans into an
// in-memory exporter, metrics into a reader the test collects from, W3C trace context, and
// the AsyncLocalStorage context manager.
import { context, metrics, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { type HistogramMetricData, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface TestOtel {
  readonly exporter: InMemorySpanExporter;
  /** Finished spans named `name` (all of them without a name). */
  spans(name?: string): ReadableSpan[];
  /** Waits (at most 5 s) until `count` spans named `name` have ended. */
  waitForSpans(name: string, count: number): Promise<ReadableSpan[]>;
  /** The data points of histogram `name` collected now. */
  histogram(name: string): Promise<HistogramMetricData["dataPoints"]>;
  shutdown(): Promise<void>;
}

export function installOtel(): TestOtel {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  const spans = (name?: string) => exporter.getFinishedSpans().filter((s) => name === undefined || s.name === name);
  return {
    exporter,
    spans,
    async waitForSpans(name, count) {
      for (let i = 0; i < 500; i++) {
        const found = spans(name);
        if (found.length >= count) return found;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`${count} spans named ${name} never ended; have: ${spans().map((s) => s.name)}`);
    },
    async histogram(name) {
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
      return (metric as HistogramMetricData | undefined)?.dataPoints ?? [];
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
    },
  };
}
