import * as grpc from "@grpc/grpc-js";
import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { deadlinePassed } from "../server/call-context.js";
import { DurationHistogram } from "./instruments.js";
import { metadataGetter } from "./metadata-carrier.js";
import { SCOPE_NAME, type TelemetryOptions } from "./options.js";
import { isServerError, messageEvent, methodInfo } from "./rpc-attributes.js";
import { telemetryOff } from "./telemetry-off.js";

const CANCELLED = grpc.status.CANCELLED;
const DEADLINE_EXCEEDED = grpc.status.DEADLINE_EXCEEDED;

/** The gRPC side of `traceServerCalls` (trace-server-calls.ts). */
export function traceGrpcServerCalls(options: TelemetryOptions = {}): grpc.ServerInterceptor {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE_NAME);
  const duration = new DurationHistogram("rpc.server.duration", "Duration of inbound RPCs", options.meterProvider);
  const propagator = options.propagator;
  const messageEvents = options.messageEvents === true;

  return (descriptor, call) => {
    // grpc-js takes any ServerInterceptingCallInterface from an interceptor; its type says ServerInterceptingCall.
    if (telemetryOff(options.tracerProvider, duration, propagator)) return call as grpc.ServerInterceptingCall;
    const info = methodInfo(descriptor.path, descriptor.requestStream || descriptor.responseStream);
    const events = messageEvents && info.streaming;
    const started = performance.now();
    let span: Span | undefined;
    let active: Context = ROOT_CONTEXT;
    let received = 0;
    let sent = 0;

    const end = (code: number, details: string) => {
      if (span === undefined) return;
      const ended = span;
      span = undefined;
      ended.setAttribute("rpc.grpc.status_code", code);
      if (isServerError(code)) ended.setStatus({ code: SpanStatusCode.ERROR, message: details });
      ended.end();
      const attributes: Attributes = { ...info.attributes, "rpc.grpc.status_code": code };
      duration.get().record(performance.now() - started, attributes);
    };

    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            const parent = propagator
              ? propagator.extract(context.active(), metadata, metadataGetter)
              : propagation.extract(context.active(), metadata, metadataGetter);
            span = tracer.startSpan(
              info.spanName,
              { kind: SpanKind.SERVER, attributes: { ...info.attributes, ...connectionAttributes(call) } },
              parent,
            );
            active = trace.setSpan(parent, span);
            // grpc-js calls client-streaming and bidi handlers from here, unary and
            // server-streaming ones from the half-close below: run all three in the span, and
            // whatever the handler awaits inherits it.
            context.with(active, nextMetadata, undefined, metadata);
          },
          onReceiveMessage(message, nextMessage) {
            if (events && span !== undefined) span.addEvent("rpc.message", messageEvent("RECEIVED", ++received));
            context.with(active, nextMessage, undefined, message);
          },
          onReceiveHalfClose(nextHalfClose) {
            context.with(active, nextHalfClose);
          },
          onCancel() {
            // grpc-js ends a call whose deadline passed without passing through the
            // interceptors' sendStatus: here it looks like any cancel, so tell them apart as
            // the handler's signal does.
            if (deadlinePassed(call)) end(DEADLINE_EXCEEDED, "deadline exceeded");
            else end(CANCELLED, "call cancelled");
          },
        });
      },
      sendMessage(message, next) {
        if (events && span !== undefined) span.addEvent("rpc.message", messageEvent("SENT", ++sent));
        next(message);
      },
      sendStatus(status, next) {
        end(status.code, status.details ?? "");
        next(status);
      },
    });
  };
}

function connectionAttributes(call: grpc.ServerInterceptingCallInterface): Attributes {
  const info = call.getConnectionInfo();
  const attributes: Attributes = {};
  if (info.localAddress !== undefined) attributes["server.address"] = info.localAddress;
  if (info.localPort !== undefined) attributes["server.port"] = info.localPort;
  if (info.remoteAddress !== undefined) attributes["network.peer.address"] = info.remoteAddress;
  if (info.remotePort !== undefined) attributes["network.peer.port"] = info.remotePort;
  return attributes;
}
