import * as grpc from "@grpc/grpc-js";
import {
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { deadlinePassed } from "../server/call-context.js";
import { forwardMissingMethods } from "./forward-methods.js";
import type { DurationHistogram } from "./instruments.js";
import { metadataGetter } from "./metadata-carrier.js";
import { isServerError, type MethodInfo, messageEvent, serverSpanAttributes } from "./rpc-attributes.js";

const CANCELLED = grpc.status.CANCELLED;
const DEADLINE_EXCEEDED = grpc.status.DEADLINE_EXCEEDED;

/** What every call through one `traceServerCalls` interceptor shares, gRPC and Connect alike. */
export interface ServerCallConfig {
  readonly tracer: Tracer;
  readonly durations: DurationHistogram;
  readonly propagator: TextMapPropagator;
  readonly messageEvents: boolean;
}

type Listener = Parameters<grpc.ServerInterceptingCallInterface["start"]>[0];

/**
 * One traced server call: a single layer between grpc-js's call and the next interceptor (or the
 * handler), and the listener of the layer below too, instead of grpc-js's ServerInterceptingCall
 * with a responder and a listener of closures (which wraps the listener once more). It forwards
 * every operation as is; it starts the span when the metadata arrives, runs what comes after in
 * the span's context, and ends the span with the status (or the cancel).
 */
export class TracedServerCall implements grpc.ServerInterceptingCallInterface {
  static {
    forwardMissingMethods(TracedServerCall.prototype, grpc.ServerInterceptingCall.prototype, (c) => c.#next);
  }

  readonly #next: grpc.ServerInterceptingCallInterface;
  readonly #config: ServerCallConfig;
  readonly #method: MethodInfo;
  readonly #events: boolean;
  readonly #started = performance.now();
  #listener: Listener | undefined;
  #span: Span | undefined;
  #active: Context = ROOT_CONTEXT;
  // After a cancel grpc-js's own wrapper passes nothing more on: neither does this one.
  #cancelled = false;
  #received = 0;
  #sent = 0;

  constructor(next: grpc.ServerInterceptingCallInterface, config: ServerCallConfig, method: MethodInfo) {
    this.#next = next;
    this.#config = config;
    this.#method = method;
    this.#events = config.messageEvents && method.streaming;
  }

  start(listener: Listener): void {
    this.#listener = listener;
    this.#next.start(this);
  }

  sendMetadata(metadata: grpc.Metadata): void {
    this.#next.sendMetadata(metadata);
  }

  // biome-ignore lint/suspicious/noExplicitAny: grpc-js types messages as any.
  sendMessage(message: any, callback: () => void): void {
    if (this.#events && this.#span !== undefined)
      this.#span.addEvent("rpc.message", messageEvent("SENT", ++this.#sent));
    this.#next.sendMessage(message, callback);
  }

  sendStatus(status: Parameters<grpc.ServerInterceptingCallInterface["sendStatus"]>[0]): void {
    this.#end(status.code, status.details ?? "");
    this.#next.sendStatus(status);
  }

  startRead(): void {
    this.#next.startRead();
  }

  getPeer(): string {
    return this.#next.getPeer();
  }

  getDeadline(): grpc.Deadline {
    return this.#next.getDeadline();
  }

  getHost(): string {
    return this.#next.getHost();
  }

  getAuthContext(): ReturnType<grpc.ServerInterceptingCallInterface["getAuthContext"]> {
    return this.#next.getAuthContext();
  }

  getConnectionInfo(): ReturnType<grpc.ServerInterceptingCallInterface["getConnectionInfo"]> {
    return this.#next.getConnectionInfo();
  }

  getMetricsRecorder(): ReturnType<grpc.ServerInterceptingCallInterface["getMetricsRecorder"]> {
    return this.#next.getMetricsRecorder();
  }

  // The listener side: what grpc-js's call reports. grpc-js calls client-streaming and bidi
  // handlers from the metadata, unary and server-streaming ones from the half-close: all of it
  // runs in the span's context, and whatever the handler awaits inherits it.

  onReceiveMetadata(metadata: grpc.Metadata): void {
    const listener = this.#listener;
    if (this.#cancelled || listener === undefined) return;
    const { tracer, propagator } = this.#config;
    const method = this.#method;
    const parent = propagator.extract(context.active(), metadata, metadataGetter);
    const span = tracer.startSpan(
      method.spanName,
      { kind: SpanKind.SERVER, attributes: serverSpanAttributes(method, this.#next.getConnectionInfo()) },
      parent,
    );
    this.#span = span;
    this.#active = trace.setSpan(parent, span);
    context.with(this.#active, listener.onReceiveMetadata, listener, metadata);
  }

  // biome-ignore lint/suspicious/noExplicitAny: grpc-js types messages as any.
  onReceiveMessage(message: any): void {
    const listener = this.#listener;
    if (this.#cancelled || listener === undefined) return;
    if (this.#events && this.#span !== undefined)
      this.#span.addEvent("rpc.message", messageEvent("RECEIVED", ++this.#received));
    context.with(this.#active, listener.onReceiveMessage, listener, message);
  }

  onReceiveHalfClose(): void {
    const listener = this.#listener;
    if (this.#cancelled || listener === undefined) return;
    context.with(this.#active, listener.onReceiveHalfClose, listener);
  }

  onCancel(): void {
    this.#cancelled = true;
    // grpc-js ends a call whose deadline passed without passing through the interceptors'
    // sendStatus: here it looks like any cancel, so tell them apart as the handler's signal does.
    if (deadlinePassed(this.#next)) this.#end(DEADLINE_EXCEEDED, "deadline exceeded");
    else this.#end(CANCELLED, "call cancelled");
    this.#listener?.onCancel();
  }

  #end(code: number, details: string): void {
    const span = this.#span;
    if (span === undefined) return;
    this.#span = undefined;
    span.setAttribute("rpc.grpc.status_code", code);
    if (isServerError(code)) span.setStatus({ code: SpanStatusCode.ERROR, message: details });
    span.end();
    this.#config.durations.get().record(performance.now() - this.#started, this.#method.byCode.get(code));
  }
}
