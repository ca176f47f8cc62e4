import type { Variant } from "./types.js";

/** The variants in table order; the baseline every ratio is taken against is `glue`. */
export const VARIANTS = {
  rpcgen: { label: "rpcgen", load: () => import("./rpcgen.js") },
  glue: { label: "protobuf-es glue", load: () => import("./glue.js") },
  passthrough: { label: "pass-through", load: () => import("./passthrough.js") },
  "proto-loader": { label: "proto-loader", load: () => import("./proto-loader.js") },
  "ts-proto": { label: "ts-proto", load: () => import("./ts-proto.js") },
  connect: { label: "connect-node", load: () => import("./connect.js") },
  // Not run by default: the glue a second time, to show the noise floor (`--variants glue,glue-again`).
  "glue-again": { label: "glue again (A/A)", load: () => import("./glue.js") },
  // Not run by default: the glue on protobuf-es 2.13.0, to show what 2.17 changed (`--variants glue,glue-2.13`).
  "glue-2.13": { label: "glue on protobuf-es 2.13", load: () => import("./glue-2.13.js") },
  // Not run by default: the glue with rpcgen's generated codec, to tell the codec's share from the runtime's.
  "glue-generated": { label: "glue, generated codec", load: () => import("./glue-generated.js") },
  // The OpenTelemetry overhead (`npm run bench:otel`), each against rpcgen without interceptors.
  "rpcgen-again": { label: "rpcgen again (A/A)", load: () => import("./rpcgen.js") },
  "pass-interceptors": { label: "rpcgen, pass-through interceptors", load: () => import("./pass-interceptors.js") },
  "otel-api": { label: "@rpcgen/runtime/otel, API only (no-op)", load: () => import("./otel-api.js") },
  "otel-sdk": { label: "@rpcgen/runtime/otel, SDK, no-op export", load: () => import("./otel-sdk.js") },
  // The Connect protocol over HTTP/1.1 (`--protocol connect`), every one called by connect-node's
  // createConnectTransport: rpcgen's listen() on its gRPC port, again (A/A), and connect-node's own server.
  "connect-rpcgen": { label: "rpcgen listen()", load: () => import("./connect-rpcgen.js") },
  "connect-rpcgen-again": { label: "rpcgen listen() again (A/A)", load: () => import("./connect-rpcgen.js") },
  "connect-node-h1": { label: "connect-node server", load: () => import("./connect-node-h1.js") },
  // The same over HTTP/2 (`--protocol connect-h2`): rpcgen's shared port against connect-node on node:http2.
  "connect-rpcgen-h2": {
    label: "rpcgen listen(), HTTP/2",
    load: () => import("./connect-rpcgen.js").then((m) => ({ variant: m.h2Variant })),
  },
  "connect-rpcgen-h2-again": {
    label: "rpcgen listen(), HTTP/2, again (A/A)",
    load: () => import("./connect-rpcgen.js").then((m) => ({ variant: m.h2Variant })),
  },
  "connect-node-h2": { label: "connect-node server, HTTP/2", load: () => import("./connect-node-h2.js") },
  // Not in bench:otel: the SDK's two signals apart, to tell their costs apart (`--variants rpcgen,otel-sdk-traces,...`).
  "otel-sdk-traces": { label: "@rpcgen/runtime/otel, SDK traces only", load: () => import("./otel-sdk-traces.js") },
  "otel-sdk-metrics": { label: "@rpcgen/runtime/otel, SDK metrics only", load: () => import("./otel-sdk-metrics.js") },
  // Not in bench:otel: a tracer and meter of a few lines instead of the SDK, to tell the SDK's own work apart.
  "otel-bare-sdk": { label: "@rpcgen/runtime/otel, bare tracer and meter", load: () => import("./otel-bare-sdk.js") },
} as const satisfies Record<string, { label: string; load: () => Promise<{ variant: Variant }> }>;

export type VariantName = keyof typeof VARIANTS;
/** The variants that run only when `--variants` names them. */
const OPT_IN: readonly string[] = [
  "glue-again",
  "glue-2.13",
  "glue-generated",
  "rpcgen-again",
  "pass-interceptors",
  "otel-api",
  "otel-sdk",
  "connect-rpcgen",
  "connect-rpcgen-again",
  "connect-node-h1",
  "connect-rpcgen-h2",
  "connect-rpcgen-h2-again",
  "connect-node-h2",
  "otel-sdk-traces",
  "otel-sdk-metrics",
  "otel-bare-sdk",
];
/** The variants run unless `--variants` says otherwise: the six the issue lists. */
export const VARIANT_NAMES = (Object.keys(VARIANTS) as VariantName[]).filter((v) => !OPT_IN.includes(v));
/** The OpenTelemetry variants and their A/A, paired with `rpcgen` by `overheadTable`. */
export const OVERHEAD_VARIANTS: readonly VariantName[] = [
  "rpcgen-again",
  "pass-interceptors",
  "otel-api",
  "otel-sdk",
  "otel-sdk-traces",
  "otel-sdk-metrics",
  "otel-bare-sdk",
];
export const BASELINE: VariantName = "glue";
/** What a `--protocol connect…` run compares: rpcgen, rpcgen again (A/A), and connect-node, the baseline. */
export interface ConnectRun {
  title: string;
  ours: VariantName;
  again: VariantName;
  baseline: VariantName;
}

export const CONNECT_RUNS = {
  connect: {
    title: "Connect protocol, HTTP/1.1",
    ours: "connect-rpcgen",
    again: "connect-rpcgen-again",
    baseline: "connect-node-h1",
  },
  "connect-h2": {
    title: "Connect protocol, HTTP/2",
    ours: "connect-rpcgen-h2",
    again: "connect-rpcgen-h2-again",
    baseline: "connect-node-h2",
  },
} as const satisfies Record<string, ConnectRun>;

export function isVariantName(name: string): name is VariantName {
  return Object.hasOwn(VARIANTS, name);
}

export async function loadVariant(name: string): Promise<Variant> {
  if (!isVariantName(name)) throw new Error(`unknown variant ${name}; known: ${VARIANT_NAMES.join(", ")}`);
  return (await VARIANTS[name].load()).variant;
}
