import type * as grpc from "@grpc/grpc-js";
import { type Code, type RpcError, STATUS_DETAILS_KEY } from "../../shared/rpc-error.js";

/** Connect's names of the gRPC codes (connectrpc.com/docs/protocol#error-codes), index = code. */
const NAMES = [
  "ok",
  "canceled",
  "unknown",
  "invalid_argument",
  "deadline_exceeded",
  "not_found",
  "already_exists",
  "permission_denied",
  "resource_exhausted",
  "failed_precondition",
  "aborted",
  "out_of_range",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
  "unauthenticated",
] as const;

/** The HTTP status of a unary error, by code (the protocol's table). */
const HTTP_STATUS = [200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401] as const;

export function connectCodeName(code: Code): string {
  return NAMES[code] ?? "unknown";
}

export function httpStatusOf(code: Code): number {
  return HTTP_STATUS[code] ?? 500;
}

/** One error detail as Connect sends it: the Any's type name and its bytes, unpadded base64. */
interface WireDetail {
  type: string;
  value: string;
}

/** The error JSON of a unary response body, and of a stream's end message. */
export interface WireError {
  code: string;
  message?: string;
  details?: WireDetail[];
}

/** The same details the gRPC side sends in `grpc-status-details-bin`, in Connect's shape. */
export function wireError(err: RpcError): WireError {
  const wire: WireError = { code: connectCodeName(err.code) };
  if (err.message !== "") wire.message = err.message;
  if (err.details.length > 0) {
    wire.details = err.details.map((any) => ({
      type: any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1),
      value: Buffer.from(any.value).toString("base64").replace(/=+$/, ""),
    }));
  }
  return wire;
}

/** Headers a Connect response must not take from metadata: they belong to the HTTP layer. */
const RESERVED =
  /^(?:content-type|content-length|content-encoding|transfer-encoding|connection|keep-alive|te|trailer|upgrade|host|connect-.*|grpc-.*|:.*)$/;

/**
 * Metadata as HTTP header pairs: binary values base64 (as Connect and gRPC both encode `-bin`
 * keys), prefixed for unary trailers. The details trailer is left out, since the error JSON carries them.
 */
export function metadataHeaders(metadata: grpc.Metadata | undefined, prefix = ""): [string, string][] {
  if (metadata === undefined) return [];
  const headers: [string, string][] = [];
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    if (key === STATUS_DETAILS_KEY || RESERVED.test(key)) continue;
    for (const value of values) {
      headers.push([prefix + key, typeof value === "string" ? value : Buffer.from(value).toString("base64")]);
    }
  }
  return headers;
}

/** Metadata as a stream's end message carries it: `{ key: [values] }`. */
export function metadataObject(metadata: grpc.Metadata | undefined): Record<string, string[]> | undefined {
  const pairs = metadataHeaders(metadata);
  if (pairs.length === 0) return undefined;
  const out: Record<string, string[]> = {};
  for (const [key, value] of pairs) {
    const values = out[key];
    if (values === undefined) out[key] = [value];
    else values.push(value);
  }
  return out;
}
