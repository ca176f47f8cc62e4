import * as grpc from "@grpc/grpc-js";

/**
 * Metadata as grpc-js `Metadata` or a plain record. Keys ending in `-bin` take binary
 * values (Uint8Array/Buffer); an array value adds the key several times.
 */
export type MetadataInit = grpc.Metadata | Record<string, string | Uint8Array | ReadonlyArray<string | Uint8Array>>;

export function toMetadata(init: MetadataInit | undefined): grpc.Metadata {
  if (init === undefined) return new grpc.Metadata();
  if (isMetadata(init)) return init;
  const md = new grpc.Metadata();
  for (const [key, value] of Object.entries(init)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      md.add(key, typeof v === "string" ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    }
  }
  return md;
}

// Duck-typed so that a Metadata from another copy of grpc-js is accepted too.
function isMetadata(init: MetadataInit): init is grpc.Metadata {
  return typeof (init as grpc.Metadata).getMap === "function" && typeof (init as grpc.Metadata).clone === "function";
}
