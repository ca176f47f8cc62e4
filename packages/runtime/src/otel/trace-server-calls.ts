import type * as grpc from "@grpc/grpc-js";
import { propagation, trace } from "@opentelemetry/api";
import { withCallMiddleware } from "../server/call-middleware.js";
import { traceConnectCalls } from "./connect-middleware.js";
import { DurationHistogram } from "./instruments.js";
import { SCOPE_NAME, type TelemetryOptions } from "./options.js";
import type { ServerCallConfig } from "./server-call.js";
import { traceGrpcServerCalls } from "./server-interceptor.js";

/**
 * A server interceptor that traces every call (a SERVER span named `package.Service/Method`,
 * child of the caller's span when the metadata carries one) and records `rpc.server.duration`.
 * The span is the active context while the handler runs, for every call kind and for async
 * generator handlers too, so spans the handler starts nest under it. Connect calls on
 * `listen()`'s port are traced the same way, with `rpc.system=connect_rpc`.
 *
 * ```ts
 * new grpc.Server({ interceptors: [traceServerCalls()] });
 * ```
 * It uses only `@opentelemetry/api`: without a registered SDK every span and measurement is a
 * no-op. Put it first in `interceptors` to also trace the calls another interceptor, such as
 * `bearerAuth`, rejects: grpc-js wraps the call in the first one outermost.
 */
export function traceServerCalls(options: TelemetryOptions = {}): grpc.ServerInterceptor {
  // One tracer, histogram and propagator for both protocols.
  const config: ServerCallConfig = {
    tracer: (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE_NAME),
    durations: new DurationHistogram("rpc.server.duration", "Duration of inbound RPCs", options.meterProvider),
    propagator: options.propagator ?? propagation,
    messageEvents: options.messageEvents === true,
  };
  return withCallMiddleware(traceGrpcServerCalls(options, config), traceConnectCalls(options, config));
}
