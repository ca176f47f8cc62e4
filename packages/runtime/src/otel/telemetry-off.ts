import {
  ProxyTracerProvider,
  propagation,
  type TextMapPropagator,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import type { DurationHistogram } from "./instruments.js";

// What the global proxy delegates to while no SDK has registered: the API's no-op provider.
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * True while every signal an interceptor feeds is the API's no-op: no tracer provider, no meter
 * provider and no propagator registered (or given). The interceptors then step aside for that
 * call (no span, no wrapped call), so an app that wires tracing in and leaves it off pays a few
 * lookups per call instead of a grpc-js interceptor layer on every message. Checked per call:
 * an SDK registered later is picked up at once.
 */
export function telemetryOff(
  tracerProvider: TracerProvider | undefined,
  durations: DurationHistogram,
  propagator: TextMapPropagator | undefined,
): boolean {
  const provider = tracerProvider ?? trace.getTracerProvider();
  // Duck-typed: a proxy from another copy of @opentelemetry/api is not an instance of ours.
  const delegate =
    typeof (provider as Partial<ProxyTracerProvider>).getDelegate === "function"
      ? (provider as ProxyTracerProvider).getDelegate()
      : provider;
  if (delegate !== NOOP_TRACER_PROVIDER) return false;
  if (!durations.isNoop()) return false;
  return (propagator ?? propagation).fields().length === 0;
}
