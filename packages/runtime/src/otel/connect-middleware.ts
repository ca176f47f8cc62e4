import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { CallMiddleware } from "../server/call-middleware.js";
import { metadataGetter } from "./metadata-carrier.js";
import type { TelemetryOptions } from "./options.js";
import { connectErrorCode, isServerError, messageEvent, methodInfo, serverSpanAttributes } from "./rpc-attributes.js";
import type { ServerCallConfig } from "./server-call.js";
import { telemetryOff } from "./telemetry-off.js";

/**
 * The Connect side of `traceServerCalls` (trace-server-calls.ts), with the gRPC side's tracer,
 * histogram and propagator: the same SERVER span and `rpc.server.duration`, with the semantic
 * conventions' `rpc.system=connect_rpc` and, on failure, `rpc.connect_rpc.error_code` (e.g.
 * `not_found`), and the same opt-in message events. The span is the active context while the
 * handler runs, and its parent comes from the request's `traceparent` header.
 */
export function traceConnectCalls(options: TelemetryOptions, config: ServerCallConfig): CallMiddleware {
  const { tracer, durations, propagator } = config;
  return async (call, next) => {
    if (telemetryOff(options.tracerProvider, durations, options.propagator)) return next();
    const started = performance.now();
    const method = methodInfo(call.method, call.requestStream || call.responseStream, "connect_rpc");
    const parent = propagator.extract(context.active(), call.metadata, metadataGetter);
    const span = tracer.startSpan(
      method.spanName,
      { kind: SpanKind.SERVER, attributes: serverSpanAttributes(method, call) },
      parent,
    );
    if (config.messageEvents && method.streaming) {
      const counts = { SENT: 0, RECEIVED: 0 };
      call.onMessage((type) => span.addEvent("rpc.message", messageEvent(type, ++counts[type])));
    }
    const outcome = await context.with(trace.setSpan(parent, span), next);
    if (outcome.code !== 0) span.setAttributes(connectErrorCode(outcome.code));
    if (isServerError(outcome.code)) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.details });
    span.end();
    durations.get().record(performance.now() - started, method.byCode.get(outcome.code));
    return outcome;
  };
}
