import type * as grpc from "@grpc/grpc-js";
import { type Attributes, context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { type ClientCallConfig, type ClientMethod, TracedClientCall } from "./client-call.js";
import { DurationHistogram } from "./instruments.js";
import { type ClientTelemetryOptions, SCOPE_NAME } from "./options.js";
import { AttributesByCode, methodInfo, targetAttributes } from "./rpc-attributes.js";
import { telemetryOff } from "./telemetry-off.js";

/**
 * A client interceptor that traces every call (a CLIENT span named `package.Service/Method`,
 * child of the active span) and records `rpc.client.duration`. The trace context goes to the
 * server in the call's metadata (`traceparent`/`tracestate` with the W3C propagator), so
 * {@link traceServerCalls} on the other side continues the same trace. Every status but OK is
 * a span error.
 *
 * ```ts
 * new GreeterClient(target, credentials, { interceptors: [traceClientCalls({ target })] });
 * ```
 */
export function traceClientCalls(options: ClientTelemetryOptions = {}): grpc.Interceptor {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE_NAME);
  const duration = new DurationHistogram("rpc.client.duration", "Duration of outbound RPCs", options.meterProvider);
  const server = options.target === undefined ? undefined : targetAttributes(options.target);
  const config: ClientCallConfig = {
    durations: duration,
    propagator: options.propagator ?? propagation,
    messageEvents: options.messageEvents === true,
    peerAsServer: server === undefined,
  };
  // Per method, built once: what every call of it starts its span with and records its duration with.
  const methods = new Map<string, ClientMethod>();

  return (callOptions, nextCall) => {
    // grpc-js takes any InterceptingCallInterface from an interceptor; its type says InterceptingCall.
    if (telemetryOff(options.tracerProvider, duration, options.propagator))
      return nextCall(callOptions) as grpc.InterceptingCall;
    const definition = callOptions.method_definition;
    let method = methods.get(definition.path);
    if (method === undefined) {
      method = clientMethod(definition.path, definition.requestStream || definition.responseStream, server);
      methods.set(definition.path, method);
    }
    const parent = context.active();
    const span = tracer.startSpan(method.spanName, method.spanOptions, parent);
    return new TracedClientCall(
      nextCall(callOptions),
      span,
      parent,
      config,
      method,
    ) as unknown as grpc.InterceptingCall;
  };
}

function clientMethod(path: string, streaming: boolean, server: Attributes | undefined): ClientMethod {
  const info = methodInfo(path, streaming);
  const attributes = server ? Object.freeze({ ...info.attributes, ...server }) : info.attributes;
  return {
    spanName: info.spanName,
    spanOptions: Object.freeze({ kind: SpanKind.CLIENT, attributes }),
    durationAttributes: server ? new AttributesByCode(attributes) : info.byCode,
    streaming: info.streaming,
  };
}
