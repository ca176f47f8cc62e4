// rpcgen with @rpcgen/runtime/otel's interceptors and only the metrics half of the SDK that otel-sdk
// registers (a meter provider with a periodic reader; no tracer provider, propagator or context
// manager, so spans are the API's non-recording ones): what the duration histograms cost by themselves.
import { otelInterceptors } from "./otel-api.js";
import { registerSdk } from "./otel-sdk-setup.js";
import { rpcgenVariant } from "./rpcgen.js";
import type { Variant } from "./types.js";

registerSdk({ traces: false, metrics: true });

export const variant: Variant = rpcgenVariant(otelInterceptors);
