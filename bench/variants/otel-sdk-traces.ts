// rpcgen with @rpcgen/runtime/otel's interceptors and only the tracing half of the SDK that otel-sdk
// registers (context manager, W3C propagator, tracer provider with the batch processor; no meter
// provider, so durations are the API's no-op): what spans cost by themselves.
import { otelInterceptors } from "./otel-api.js";
import { registerSdk } from "./otel-sdk-setup.js";
import { rpcgenVariant } from "./rpcgen.js";
import type { Variant } from "./types.js";

registerSdk({ traces: true, metrics: false });

export const variant: Variant = rpcgenVariant(otelInterceptors);
