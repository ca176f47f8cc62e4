import type * as grpc from "@grpc/grpc-js";
import { propagation, trace } from "@opentelemetry/api";
import { DurationHistogram } from "./instruments.js";
import { SCOPE_NAME, type TelemetryOptions } from "./options.js";
import { methodInfo } from "./rpc-attributes.js";
import { type ServerCallConfig, TracedServerCall } from "./server-call.js";
import { telemetryOff } from "./telemetry-off.js";

/**
 * A server interceptor that traces every call (a SERVER span named `package.Service/Method`,
 * child of the caller's span when the metadata carries one) and records `rpc.server.duration`.
 * The span is the active context while the handler runs, for every call kind and for async
 * generator handlers too, so spans the handler starts nest under it.
 *
 * ```ts
 * new grpc.Server({ interceptors: [traceServerCalls()] });
 * ```
 * It uses only `@opentelemetry/api`: without a registered SDK every span and measurement is a
 * no-op. Put it first in `interceptors` to also trace the calls another interceptor, such as
 * `bearerAuth`, rejects: grpc-js wraps the call in the first one, so the later ones answer
 * through it.
 */
export function traceServerCalls(options: TelemetryOptions = {}): grpc.ServerInterceptor {
  const duration = new DurationHistogram("rpc.server.duration", "Duration of inbound RPCs", options.meterProvider);
  const config: ServerCallConfig = {
    tracer: (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE_NAME),
    durations: duration,
    propagator: options.propagator ?? propagation,
    messageEvents: options.messageEvents === true,
  };

  return (descriptor, call) => {
    // grpc-js takes any ServerInterceptingCallInterface from an interceptor; its type says ServerInterceptingCall.
    if (telemetryOff(options.tracerProvider, duration, options.propagator)) return call as grpc.ServerInterceptingCall;
    const method = methodInfo(descriptor.path, descriptor.requestStream || descriptor.responseStream);
    return new TracedServerCall(call, config, method) as unknown as grpc.ServerInterceptingCall;
  };
}
