import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { type Any, anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { StatusSchema } from "../gen/google/rpc/status_pb.js";
import { type MetadataInit, toMetadata } from "./metadata.js";

/** gRPC status codes (the same numbers as grpc-js's `status` and every other gRPC implementation). */
export const Code = grpc.status;
export type Code = grpc.status;

/**
 * The trailer that carries a serialized `google.rpc.Status` with typed details, as grpc-go's
 * `status.WithDetails`, grpc-java's `StatusProto` and Connect do.
 */
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

/** Options of a new RpcError. */
export interface RpcErrorOptions {
  /** Trailers to send with the status (server side); the trailers received (client side). */
  metadata?: MetadataInit | undefined;
  /** Typed details, each packed in `google.protobuf.Any`; see {@link errorDetail}. */
  details?: readonly Any[] | undefined;
  cause?: unknown;
}

/**
 * The one error type of rpcgen, thrown by clients and by server handlers.
 * `message` is the status message alone, without grpc-js's "3 INVALID_ARGUMENT:" prefix.
 *
 * ```ts
 * throw new RpcError(Code.INVALID_ARGUMENT, "email is invalid", {
 *   details: [errorDetail(BadRequestSchema, { fieldViolations: [{ field: "email", description: "no @" }] })],
 * });
 * // client side
 * err.findDetail(BadRequestSchema)?.fieldViolations[0]?.field; // "email"
 * ```
 */
export class RpcError extends Error {
  override name = "RpcError";
  readonly code: Code;
  /** Trailers of the failed call (client side), or trailers to send (server side). */
  readonly metadata: grpc.Metadata;
  /** Typed details (`google.rpc.Status.details`), sent as the `grpc-status-details-bin` trailer. */
  readonly details: readonly Any[];

  constructor(code: Code, message: string, options: RpcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.metadata = toMetadata(options.metadata);
    this.details = options.details ?? [];
  }

  /** The status name, e.g. `"NOT_FOUND"`. */
  get codeName(): string {
    return Code[this.code] ?? `CODE_${this.code}`;
  }

  /** Every detail of type `schema`, unpacked; details of other types are skipped. */
  findDetails<Desc extends DescMessage>(schema: Desc): MessageShape<Desc>[] {
    const found: MessageShape<Desc>[] = [];
    for (const any of this.details) {
      const message = anyUnpack(any, schema);
      if (message !== undefined) found.push(message);
    }
    return found;
  }

  /** The first detail of type `schema`, or `undefined`. */
  findDetail<Desc extends DescMessage>(schema: Desc): MessageShape<Desc> | undefined {
    return this.findDetails(schema)[0];
  }

  /**
   * Converts anything thrown into an RpcError. An object with an integer gRPC `code`
   * (such as grpc-js's ServiceError) keeps its code, status message and details; anything
   * else is UNKNOWN with the error's message, never its stack.
   */
  static from(reason: unknown): RpcError {
    if (reason instanceof RpcError) return reason;
    if (isStatusLike(reason)) {
      const message = typeof reason.details === "string" ? reason.details : String(reason.message ?? "");
      const metadata = isMetadata(reason.metadata) ? reason.metadata : undefined;
      return new RpcError(reason.code, message, { metadata, details: detailsFromMetadata(metadata), cause: reason });
    }
    const message = reason instanceof Error ? reason.message : "unknown error";
    return new RpcError(Code.UNKNOWN, message, { cause: reason });
  }
}

/**
 * Packs a detail message for {@link RpcError}'s `details`, e.g.
 * `errorDetail(ErrorInfoSchema, { reason: "QUOTA", domain: "example.com" })`.
 */
export function errorDetail<Desc extends DescMessage>(schema: Desc, init: MessageInitShape<Desc>): Any {
  return anyPack(schema, create(schema, init));
}

interface StatusLike {
  code: Code;
  details?: unknown;
  message?: unknown;
  metadata?: unknown;
}

function isStatusLike(reason: unknown): reason is StatusLike {
  if (typeof reason !== "object" || reason === null) return false;
  const code = (reason as { code?: unknown }).code;
  // Node's system errors carry string codes ("ENOENT"); only 1..16 are gRPC failures.
  return typeof code === "number" && Number.isInteger(code) && code > 0 && code <= 16;
}

function isMetadata(value: unknown): value is grpc.Metadata {
  return typeof (value as grpc.Metadata | undefined)?.getMap === "function";
}

/** The details of a `grpc-status-details-bin` trailer; none if it is missing or does not decode. */
function detailsFromMetadata(metadata: grpc.Metadata | undefined): Any[] {
  const value = metadata?.get(STATUS_DETAILS_KEY)[0];
  if (!(value instanceof Uint8Array)) return [];
  try {
    return fromBinary(StatusSchema, value).details;
  } catch {
    // A peer's broken trailer must not hide the status itself.
    return [];
  }
}

/** The error a client sees for a non-OK status. */
export function errorFromStatus(status: grpc.StatusObject): RpcError {
  return new RpcError(status.code, status.details, {
    metadata: status.metadata,
    details: detailsFromMetadata(status.metadata),
  });
}

/** The status a server sends for a thrown value; `trailer` is merged under the error's own metadata. */
export function statusFromError(reason: unknown, trailer?: grpc.Metadata): grpc.StatusObject {
  const err = RpcError.from(reason);
  const metadata = trailer ? trailer.clone() : new grpc.Metadata();
  metadata.merge(err.metadata);
  if (err.details.length > 0) {
    // Same bytes as grpc-go's status.WithDetails: Status{code, message, details}, with the code and
    // message repeated from grpc-status / grpc-message as the gRPC spec asks.
    const status = create(StatusSchema, { code: err.code, message: err.message, details: [...err.details] });
    const bytes = toBinary(StatusSchema, status);
    metadata.set(STATUS_DETAILS_KEY, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return { code: err.code, details: err.message, metadata };
}
