import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { type MetadataInit, toMetadata } from "../shared/metadata.js";
import { Code, RpcError } from "../shared/rpc-error.js";

/** Any grpc-js server call. */
export type ServerCall =
  | grpc.ServerUnaryCall<unknown, unknown>
  | grpc.ServerReadableStream<unknown, unknown>
  | grpc.ServerWritableStream<unknown, unknown>
  | grpc.ServerDuplexStream<unknown, unknown>;

/** What every server handler gets besides its request(s), whichever protocol the call came in on. */
export interface CallContext {
  /** `"grpc"`, or `"connect"` for the Connect protocol (JSON or binary over HTTP; see `listen`). */
  readonly protocol: "grpc" | "connect";
  /** Request metadata (headers) sent by the client. */
  readonly metadata: grpc.Metadata;
  /** The client's address, e.g. `ipv4:127.0.0.1:53012`. */
  readonly peer: string;
  /** The full method name, e.g. `/helloworld.Greeter/SayHello`. */
  readonly method: string;
  /** The client's deadline, if it set one. */
  readonly deadline: Date | undefined;
  /**
   * Aborted when the client cancels, the deadline passes or the connection drops (and, as Go's
   * context, once the call has ended). Its `reason` is an RpcError: DEADLINE_EXCEEDED or CANCELLED.
   * Pass it to whatever the handler waits on, so that nothing keeps running for a dead call.
   */
  readonly signal: AbortSignal;
  /** Trailers sent with the status when the handler ends (on success and on error). */
  readonly trailer: grpc.Metadata;
  /** Sends response headers now instead of with the first message. */
  sendHeader(metadata: MetadataInit): void;
  /** The underlying grpc-js call, for what this context does not cover; `undefined` for Connect calls. */
  readonly call: ServerCall | undefined;
}

/** The context of a handler that streams responses: `send()` resolves once the transport can take more. */
export interface ServerStream<O extends DescMessage> extends CallContext {
  send(message: MessageInitShape<O>): Promise<void>;
}

/** Lazily built, so a unary call that never looks at its signal or trailer pays nothing for them. */
export class ServerCallContext implements CallContext {
  readonly protocol = "grpc" as const;
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
    return toDate(this.call.getDeadline());
  }

  get signal(): AbortSignal {
    if (this.#signal === undefined) {
      const controller = new AbortController();
      this.#signal = controller;
      if (this.call.cancelled) controller.abort(cancelReason(this.call));
      else (this.call as NodeJS.EventEmitter).once("cancelled", () => controller.abort(cancelReason(this.call)));
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

/**
 * A client's own deadline timer fires slightly before the server's (the server's deadline starts
 * when the request arrives), so its RST_STREAM lands just before the server's deadline: a
 * cancellation that close to the deadline counts as the deadline passing.
 */
const DEADLINE_SLACK_MS = 50;

/** Why a server call ended early. grpc-js reports an expired deadline like a cancellation; the clock tells them apart. */
export function cancelReason(call: { getDeadline(): grpc.Deadline }): RpcError {
  if (deadlinePassed(call)) return new RpcError(Code.DEADLINE_EXCEEDED, "deadline exceeded");
  return new RpcError(Code.CANCELLED, "call cancelled");
}

/** Whether the call's deadline has passed (or is within the slack above). */
export function deadlinePassed(call: { getDeadline(): grpc.Deadline }): boolean {
  const deadline = toDate(call.getDeadline());
  return deadline !== undefined && Date.now() >= deadline.getTime() - DEADLINE_SLACK_MS;
}

function toDate(d: grpc.Deadline): Date | undefined {
  if (d instanceof Date) return d;
  return Number.isFinite(d) ? new Date(d) : undefined;
}
