import * as grpc from "@grpc/grpc-js";
import {
  type Attributes,
  type Context,
  type Span,
  type SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  trace,
} from "@opentelemetry/api";
import { forwardMissingMethods } from "./forward-methods.js";
import type { DurationHistogram } from "./instruments.js";
import { metadataSetter } from "./metadata-carrier.js";
import { type AttributesByCode, messageEvent, targetAttributes } from "./rpc-attributes.js";

/** What every call through one {@link traceClientCalls} interceptor shares. */
export interface ClientCallConfig {
  readonly durations: DurationHistogram;
  readonly propagator: TextMapPropagator;
  readonly messageEvents: boolean;
  /** No target was given: `server.address`/`server.port` come from the peer when the call ends. */
  readonly peerAsServer: boolean;
}

/** A method as the client's spans and durations see it, built on its first call. */
export interface ClientMethod {
  readonly spanName: string;
  readonly spanOptions: { readonly kind: SpanKind; readonly attributes: Attributes };
  readonly durationAttributes: AttributesByCode;
  readonly streaming: boolean;
}

// What grpc-js calls on an interceptor's call (its InterceptingCallInterface, not exported by
// name): a method grpc-js adds to it fails the typecheck here rather than a call at run time.
type CallInterface = ReturnType<grpc.NextCall>;
type Listener = Parameters<CallInterface["start"]>[1];
type MessageContext = Parameters<CallInterface["sendMessageWithContext"]>[0];

/**
 * One traced client call: a single layer between the caller and the next interceptor, and the
 * listener of the layer below too, instead of grpc-js's InterceptingCall with a requester and a
 * listener of closures (which wraps the listener once more). It forwards every operation as is,
 * injects the trace context into a copy of the metadata at start, and ends the span and records
 * the duration when the status arrives.
 */
export class TracedClientCall implements CallInterface {
  static {
    forwardMissingMethods(TracedClientCall.prototype, grpc.InterceptingCall.prototype, (c) => c.#next);
  }

  readonly #next: CallInterface;
  readonly #span: Span;
  readonly #parent: Context;
  readonly #config: ClientCallConfig;
  readonly #method: ClientMethod;
  readonly #events: boolean;
  readonly #started = performance.now();
  #listener: Listener;
  #received = 0;
  #sent = 0;

  constructor(next: CallInterface, span: Span, parent: Context, config: ClientCallConfig, method: ClientMethod) {
    this.#next = next;
    this.#span = span;
    this.#parent = parent;
    this.#config = config;
    this.#method = method;
    this.#events = config.messageEvents && method.streaming;
  }

  start(metadata: grpc.Metadata, listener?: Listener): void {
    this.#listener = listener;
    // A copy: the caller may reuse its Metadata object for other calls.
    const outgoing = metadata.clone();
    this.#config.propagator.inject(trace.setSpan(this.#parent, this.#span), outgoing, metadataSetter);
    this.#next.start(outgoing, this);
  }

  // biome-ignore lint/suspicious/noExplicitAny: grpc-js types messages as any.
  sendMessageWithContext(context: MessageContext, message: any): void {
    if (this.#events) this.#span.addEvent("rpc.message", messageEvent("SENT", ++this.#sent));
    this.#next.sendMessageWithContext(context, message);
  }

  // biome-ignore lint/suspicious/noExplicitAny: grpc-js types messages as any.
  sendMessage(message: any): void {
    this.sendMessageWithContext({}, message);
  }

  startRead(): void {
    this.#next.startRead();
  }

  halfClose(): void {
    this.#next.halfClose();
  }

  cancelWithStatus(status: grpc.status, details: string): void {
    this.#next.cancelWithStatus(status, details);
  }

  getPeer(): string {
    return this.#next.getPeer();
  }

  getAuthContext(): ReturnType<CallInterface["getAuthContext"]> {
    return this.#next.getAuthContext();
  }

  // The listener side: what the layer below reports.

  onReceiveMetadata(metadata: grpc.Metadata): void {
    this.#listener?.onReceiveMetadata?.(metadata);
  }

  // biome-ignore lint/suspicious/noExplicitAny: grpc-js types messages as any.
  onReceiveMessage(message: any): void {
    if (this.#events) this.#span.addEvent("rpc.message", messageEvent("RECEIVED", ++this.#received));
    this.#listener?.onReceiveMessage?.(message);
  }

  onReceiveStatus(status: grpc.StatusObject): void {
    const span = this.#span;
    const code = status.code;
    // A span the sampler dropped records nothing: skip building what it would throw away.
    if (span.isRecording()) {
      if (this.#config.peerAsServer) span.setAttributes(peerAttributes(this.#next.getPeer()));
      span.setAttribute("rpc.grpc.status_code", code);
      if (code !== grpc.status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: status.details });
    }
    span.end();
    this.#config.durations.get().record(performance.now() - this.#started, this.#method.durationAttributes.get(code));
    this.#listener?.onReceiveStatus?.(status);
  }
}

// Without a target: the address the call connected to (grpc-js says "unknown" before that).
function peerAttributes(peer: string): Attributes {
  return peer === "" || peer === "unknown" ? {} : targetAttributes(peer);
}
