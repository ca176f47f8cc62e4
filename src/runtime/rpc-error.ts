import * as grpc from "@grpc/grpc-js";
import { type MetadataInit, toMetadata } from "./metadata.js";

/** gRPC status codes (the same numbers as grpc-js's `status` and every other gRPC implementation). */
export const Code = grpc.status;
export type Code = grpc.status;

/**
 * The one error type of rpcgen, thrown by clients and by server handlers.
 * `message` is the status message alone, without grpc-js's "3 INVALID_ARGUMENT:" prefix.
 */
export class RpcError extends Error {
  override name = "RpcError";
  readonly code: Code;
  /** Trailers of the failed call (client side), or trailers to send (server side). */
  readonly metadata: grpc.Metadata;

  constructor(code: Code, message: string, options: { metadata?: MetadataInit | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.metadata = toMetadata(options.metadata);
  }

  /** The status name, e.g. `"NOT_FOUND"`. */
  get codeName(): string {
    return Code[this.code] ?? `CODE_${this.code}`;
  }

  /**
   * Converts anything thrown into an RpcError. An object with an integer gRPC `code`
   * (such as grpc-js's ServiceError) keeps its code and status message; anything else is
   * UNKNOWN with the error's message, never its stack.
   */
  static from(reason: unknown): RpcError {
    if (reason instanceof RpcError) return reason;
    if (isStatusLike(reason)) {
      const message = typeof reason.details === "string" ? reason.details : String(reason.message ?? "");
      return new RpcError(reason.code, message, { metadata: reason.metadata, cause: reason });
    }
    const message = reason instanceof Error ? reason.message : "unknown error";
    return new RpcError(Code.UNKNOWN, message, { cause: reason });
  }
}

interface StatusLike {
  code: Code;
  details?: unknown;
  message?: unknown;
  metadata?: grpc.Metadata;
}

function isStatusLike(reason: unknown): reason is StatusLike {
  if (typeof reason !== "object" || reason === null) return false;
  const code = (reason as { code?: unknown }).code;
  // Node's system errors carry string codes ("ENOENT"); only 1..16 are gRPC failures.
  return typeof code === "number" && Number.isInteger(code) && code > 0 && code <= 16;
}

/** The error a client sees for a non-OK status. */
export function errorFromStatus(status: grpc.StatusObject): RpcError {
  return new RpcError(status.code, status.details, { metadata: status.metadata });
}

/** The status a server sends for a thrown value; `trailer` is merged under the error's own metadata. */
export function statusFromError(reason: unknown, trailer?: grpc.Metadata): grpc.StatusObject {
  const err = RpcError.from(reason);
  const metadata = trailer ? trailer.clone() : new grpc.Metadata();
  metadata.merge(err.metadata);
  return { code: err.code, details: err.message, metadata };
}
