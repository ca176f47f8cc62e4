import type * as grpc from "@grpc/grpc-js";
import { propagation, trace } from "@opentelemetry/api";
import { DurationHistogram } from "./instruments.js";
import { SCOPE_NAME, type TelemetryOptions } from "./options.js";
import { methodInfo } from "./rpc-attributes.js";
import { type ServerCallConfig, TracedServerCall } from "./server-call.js";
import { telemetryOff } from "./telemetry-off.js";

/** The gRPC side of `traceServerCalls` (trace-server-calls.ts). */
export function traceGrpcServerCalls(options: TelemetryOptions = {}): grpc.ServerInterceptor {
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
