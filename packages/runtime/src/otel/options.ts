import type { MeterProvider, TextMapPropagator, TracerProvider } from "@opentelemetry/api";

/** The instrumentation scope of rpcgen's spans and metrics. */
export const SCOPE_NAME = "rpcgen";

/** Options shared by {@link traceServerCalls} and {@link traceClientCalls}. */
export interface TelemetryOptions {
  /** Where spans go; default: the global provider (`trace.setGlobalTracerProvider`, what an SDK registers). */
  readonly tracerProvider?: TracerProvider;
  /** Where durations go; default: the global provider, looked up when it changes. */
  readonly meterProvider?: MeterProvider;
  /** How trace context travels in metadata; default: the global propagator (W3C `traceparent` with the SDKs). */
  readonly propagator?: TextMapPropagator;
  /**
   * An `rpc.message` span event (`rpc.message.type` SENT or RECEIVED, `rpc.message.id` from 1)
   * for every message of a streaming call; default false. Unary calls never get them.
   */
  readonly messageEvents?: boolean;
}

/** Options of {@link traceClientCalls}. */
export interface ClientTelemetryOptions extends TelemetryOptions {
  /**
   * The target the client dials (`host:port`, `dns:///host:port`, `etcd:///name`): it gives
   * `server.address` and `server.port`. grpc-js does not show interceptors the channel, so
   * without it they come from the connected peer when the call ends.
   */
  readonly target?: string;
}
