import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { type MetadataInit, toMetadata } from "./metadata.js";

/** Any grpc-js server call. */
export type ServerCall =
  | grpc.ServerUnaryCall<unknown, unknown>
  | grpc.ServerReadableStream<unknown, unknown>
  | grpc.ServerWritableStream<unknown, unknown>
  | grpc.ServerDuplexStream<unknown, unknown>;

/** What every server handler gets besides its request(s). */
export interface CallContext {
  /** Request metadata (headers) sent by the client. */
  readonly metadata: grpc.Metadata;
  /** The client's address, e.g. `ipv4:127.0.0.1:53012`. */
  readonly peer: string;
  /** The full method name, e.g. `/helloworld.Greeter/SayHello`. */
  readonly method: string;
  /** The client's deadline, if it set one. */
  readonly deadline: Date | undefined;
  /** Aborted when the call is cancelled by the client, its deadline passes or its connection drops. */
  readonly signal: AbortSignal;
  /** Trailers sent with the status when the handler ends (on success and on error). */
  readonly trailer: grpc.Metadata;
  /** Sends response headers now instead of with the first message. */
  sendHeader(metadata: MetadataInit): void;
  /** The underlying grpc-js call, for what this context does not cover. */
  readonly call: ServerCall;
}

/** The context of a handler that streams responses: `send()` resolves once the transport can take more. */
export interface ServerStream<O extends DescMessage> extends CallContext {
  send(message: MessageInitShape<O>): Promise<void>;
}

/** Lazily built, so a unary call that never looks at its signal or trailer pays nothing for them. */
export class ServerCallContext implements CallContext {
  readonly call: ServerCall;
  readonly method: string;
  #signal: AbortController | undefined;
  #trailer: grpc.Metadata | undefined;

  constructor(call: ServerCall, method: string) {
    this.call = call;
    this.method = method;
  }

  get metadata(): grpc.Metadata {
    return this.call.metadata;
  }

  get peer(): string {
    return this.call.getPeer();
  }

  get deadline(): Date | undefined {
    const d = this.call.getDeadline();
    if (d instanceof Date) return d;
    return Number.isFinite(d) ? new Date(d) : undefined;
  }

  get signal(): AbortSignal {
    if (this.#signal === undefined) {
      const controller = new AbortController();
      this.#signal = controller;
      if (this.call.cancelled) controller.abort(cancelledReason());
      else (this.call as NodeJS.EventEmitter).once("cancelled", () => controller.abort(cancelledReason()));
    }
    return this.#signal.signal;
  }

  get trailer(): grpc.Metadata {
    this.#trailer ??= new grpc.Metadata();
    return this.#trailer;
  }

  /** The trailer if one was asked for, without creating it. */
  get trailerIfAny(): grpc.Metadata | undefined {
    return this.#trailer;
  }

  sendHeader(metadata: MetadataInit): void {
    this.call.sendMetadata(toMetadata(metadata));
  }
}

function cancelledReason(): Error {
  return new Error("call cancelled");
}
