// Not a real SDK, an instrument for attribution: rpcgen with @rpcgen/runtime/otel's interceptors and
// a tracer and a meter of a few lines behind the same API the SDK implements, beside the real
// W3C propagator and AsyncLocalStorage context manager that otel-sdk registers. Each span gets
// ids, its attributes, status and times, and is dropped at its end; each duration lands in a
// per-attributes-object sum. What the interceptors, the API, propagation and the context
// manager cost with next to nothing behind them: otel-sdk minus this is the SDK's own work.
import {
  type Attributes,
  type Context,
  context,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  propagation,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { otelInterceptors } from "./otel-api.js";
import { rpcgenVariant } from "./rpcgen.js";
import type { Variant } from "./types.js";

let ids = 0;
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

class BareSpan {
  readonly #context: SpanContext;
  readonly attributes: Attributes;
  readonly started = performance.now();
  status: SpanStatus = { code: 0 };
  ended = 0;

  constructor(parent: SpanContext | undefined, attributes: Attributes | undefined) {
    const id = ++ids;
    this.#context = {
      traceId: parent?.traceId ?? hex(id, 32),
      spanId: hex(id, 16),
      traceFlags: 1,
    };
    this.attributes = { ...attributes };
  }

  spanContext() {
    return this.#context;
  }
  setAttribute(key: string, value: Attributes[string]) {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes) {
    Object.assign(this.attributes, attributes);
    return this;
  }
  addEvent() {
    return this;
  }
  addLink() {
    return this;
  }
  addLinks() {
    return this;
  }
  setStatus(status: SpanStatus) {
    this.status = status;
    return this;
  }
  updateName() {
    return this;
  }
  end() {
    this.ended = performance.now();
  }
  isRecording() {
    return this.ended === 0;
  }
  recordException() {}
}

const tracer: Tracer = {
  startSpan(_name: string, options?: SpanOptions, ctx?: Context): Span {
    const parent = trace.getSpanContext(ctx ?? context.active());
    return new BareSpan(parent, options?.attributes) as unknown as Span;
  },
  startActiveSpan: (() => {
    throw new Error("not used by the interceptors");
  }) as Tracer["startActiveSpan"],
};
const tracerProvider: TracerProvider = { getTracer: () => tracer };

const sums = new Map<object, { count: number; sum: number }>();
const histogram: Histogram = {
  record(value, attributes = {}) {
    let point = sums.get(attributes);
    if (point === undefined) {
      point = { count: 0, sum: 0 };
      sums.set(attributes, point);
    }
    point.count++;
    point.sum += value;
  },
};
const meter = { createHistogram: () => histogram } as unknown as Meter;
const meterProvider: MeterProvider = { getMeter: () => meter };

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(tracerProvider);
metrics.setGlobalMeterProvider(meterProvider);

export const variant: Variant = rpcgenVariant(otelInterceptors);
