import type * as grpc from "@grpc/grpc-js";
import type { TelemetryOptions } from "./options.js";
import { methodInfo } from "./rpc-attributes.js";
import { type ServerCallConfig, TracedServerCall } from "./server-call.js";
import { telemetryOff } from "./telemetry-off.js";

/** The gRPC side of `traceServerCalls` (trace-server-calls.ts). */
export function traceGrpcServerCalls(options: TelemetryOptions, config: ServerCallConfig): grpc.ServerInterceptor {
  return (descriptor, call) => {
    // grpc-js takes any ServerInterceptingCallInterface from an interceptor; its type says ServerInterceptingCall.
    if (telemetryOff(options.tracerProvider, config.durations, options.propagator))
      return call as grpc.ServerInterceptingCall;
    const method = methodInfo(descriptor.path, descriptor.requestStream || descriptor.responseStream);
    return new TracedServerCall(call, config, method) as unknown as grpc.ServerInterceptingCall;
  };
}
