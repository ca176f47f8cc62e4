import * as grpc from "@grpc/grpc-js";
import { type Attributes, context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { DurationHistogram } from "./instruments.js";
import { metadataSetter } from "./metadata-carrier.js";
import { type ClientTelemetryOptions, SCOPE_NAME } from "./options.js";
import { messageEvent, methodInfo, splitHostPort, targetAttributes } from "./rpc-attributes.js";
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
  const propagator = options.propagator;
  const messageEvents = options.messageEvents === true;
  const server = options.target === undefined ? undefined : targetAttributes(options.target);

  return (callOptions, nextCall) => {
    // grpc-js takes any InterceptingCallInterface from an interceptor; its type says InterceptingCall.
    if (telemetryOff(options.tracerProvider, duration, propagator))
      return nextCall(callOptions) as grpc.InterceptingCall;
    const definition = callOptions.method_definition;
    const info = methodInfo(definition.path, definition.requestStream || definition.responseStream);
    const events = messageEvents && info.streaming;
    const parent = context.active();
    const span = tracer.startSpan(
      info.spanName,
      { kind: SpanKind.CLIENT, attributes: server ? { ...info.attributes, ...server } : info.attributes },
      parent,
    );
    const started = performance.now();
    let received = 0;
    let sent = 0;

    const call: grpc.InterceptingCall = new grpc.InterceptingCall(nextCall(callOptions), {
      start(metadata, _listener, next) {
        // A copy: the caller may reuse its Metadata object for other calls.
        const outgoing = metadata.clone();
        const spanContext = trace.setSpan(parent, span);
        if (propagator) propagator.inject(spanContext, outgoing, metadataSetter);
        else propagation.inject(spanContext, outgoing, metadataSetter);
        next(outgoing, {
          onReceiveMessage(message, nextMessage) {
            if (events) span.addEvent("rpc.message", messageEvent("RECEIVED", ++received));
            nextMessage(message);
          },
          onReceiveStatus(status, nextStatus) {
            const attributes: Attributes = { ...info.attributes, "rpc.grpc.status_code": status.code };
            if (server) Object.assign(attributes, server);
            else span.setAttributes(peerAttributes(call.getPeer()));
            span.setAttribute("rpc.grpc.status_code", status.code);
            if (status.code !== grpc.status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: status.details });
            span.end();
            duration.get().record(performance.now() - started, attributes);
            nextStatus(status);
          },
        });
      },
      sendMessage(message, next) {
        if (events) span.addEvent("rpc.message", messageEvent("SENT", ++sent));
        next(message);
      },
    });
    return call;
  };
}

// Without a target: the address the call connected to (grpc-js says "unknown" before that).
function peerAttributes(peer: string): Attributes {
  if (peer === "" || peer === "unknown") return {};
  const { address, port } = splitHostPort(peer);
  return port === undefined ? { "server.address": address } : { "server.address": address, "server.port": port };
}
