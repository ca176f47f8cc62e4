import { type Attributes, context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { CallMiddleware } from "../server/call-middleware.js";
import { connectCodeName } from "../server/connect/connect-error.js";
import { DurationHistogram } from "./instruments.js";
import { metadataGetter } from "./metadata-carrier.js";
import { SCOPE_NAME, type TelemetryOptions } from "./options.js";
import { isServerError, messageEvent, methodInfo } from "./rpc-attributes.js";
import { telemetryOff } from "./telemetry-off.js";

/**
 * The Connect side of {@link traceServerCalls}: the same SERVER span and `rpc.server.duration`,
 * with the semantic conventions' `rpc.system=connect_rpc` and, on failure,
 * `rpc.connect_rpc.error_code` (e.g. `not_found`), and the same opt-in message events. The span
 * is the active context while the handler runs, and its parent comes from the request's
 * `traceparent` header.
 */
export function traceConnectCalls(options: TelemetryOptions): CallMiddleware {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE_NAME);
  const duration = new DurationHistogram("rpc.server.duration", "Duration of inbound RPCs", options.meterProvider);
  const propagator = options.propagator ?? propagation;
  return async (call, next) => {
    if (telemetryOff(options.tracerProvider, duration, options.propagator)) return next();
    const started = performance.now();
    const info = methodInfo(call.method, call.requestStream || call.responseStream);
    const attributes: Attributes = { ...info.attributes, "rpc.system": "connect_rpc" };
    const parent = propagator.extract(context.active(), call.metadata, metadataGetter);
    const spanAttributes: Attributes = { ...attributes };
    if (call.localAddress !== undefined) spanAttributes["server.address"] = call.localAddress;
    if (call.localPort !== undefined) spanAttributes["server.port"] = call.localPort;
    if (call.remoteAddress !== undefined) spanAttributes["network.peer.address"] = call.remoteAddress;
    if (call.remotePort !== undefined) spanAttributes["network.peer.port"] = call.remotePort;
    const span = tracer.startSpan(info.spanName, { kind: SpanKind.SERVER, attributes: spanAttributes }, parent);
    if (options.messageEvents === true && info.streaming) {
      const counts = { SENT: 0, RECEIVED: 0 };
      call.onMessage((type) => span.addEvent("rpc.message", messageEvent(type, ++counts[type])));
    }
    const outcome = await context.with(trace.setSpan(parent, span), next);
    if (outcome.code !== 0) {
      const name = connectCodeName(outcome.code);
      span.setAttribute("rpc.connect_rpc.error_code", name);
      attributes["rpc.connect_rpc.error_code"] = name;
    }
    if (isServerError(outcome.code)) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.details });
    span.end();
    duration.get().record(performance.now() - started, attributes);
    return outcome;
  };
}
