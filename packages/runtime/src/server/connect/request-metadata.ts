import type { IncomingHttpHeaders } from "node:http";
import * as grpc from "@grpc/grpc-js";

/** Headers that belong to HTTP or to the Connect protocol itself, not to the application. */
const TRANSPORT = new Set([
  "host",
  "connection",
  "keep-alive",
  "content-type",
  "content-length",
  "content-encoding",
  "accept-encoding",
  "transfer-encoding",
  "te",
  "upgrade",
  "connect-protocol-version",
  "connect-timeout-ms",
  "connect-content-encoding",
  "connect-accept-encoding",
]);

/**
 * The request headers as gRPC metadata, what a handler sees in `context.metadata` whichever
 * protocol the call came in on: `-bin` values are base64-decoded (both protocols encode them so).
 * A header gRPC metadata cannot hold (a key outside `[0-9a-z_.-]`, a non-ASCII value) is left out.
 */
export function requestMetadata(headers: IncomingHttpHeaders): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || key.startsWith(":") || TRANSPORT.has(key)) continue;
    for (const one of Array.isArray(value) ? value : [value]) {
      try {
        if (key.endsWith("-bin")) {
          // One header may carry several comma-separated values.
          for (const part of one.split(",")) metadata.add(key, Buffer.from(part.trim(), "base64"));
        } else {
          metadata.add(key, one);
        }
      } catch {
        // grpc-js refuses keys and values that gRPC cannot carry; the call goes on without them.
      }
    }
  }
  return metadata;
}
