import type * as grpc from "@grpc/grpc-js";
import type { TextMapGetter, TextMapSetter } from "@opentelemetry/api";

/** Reads propagation fields (`traceparent`, `tracestate`, `baggage`, ...) from gRPC metadata. */
export const metadataGetter: TextMapGetter<grpc.Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get(carrier, key) {
    const values = carrier.get(key);
    // Propagators take text: a binary (-bin) value is never one of theirs. The common case, one
    // text value, without a new array per field per call.
    if (values.length === 1) return typeof values[0] === "string" ? values[0] : undefined;
    if (values.length === 0) return undefined;
    const text = values.filter((v): v is string => typeof v === "string");
    return text.length === 1 ? text[0] : text;
  },
};

/** Writes propagation fields into gRPC metadata, replacing any the caller set. */
export const metadataSetter: TextMapSetter<grpc.Metadata> = {
  set: (carrier, key, value) => carrier.set(key, value),
};
