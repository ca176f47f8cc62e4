// rpcgen with @rpcgen/runtime/otel's interceptors and the OpenTelemetry SDK registered as an app would:
// every call sampled (the default parent-based always-on sampler), spans through a batch
// processor to an exporter that drops them, durations aggregated by a periodic reader whose
// exporter drops them too, W3C propagation and the AsyncLocalStorage context manager. What
// tracing costs short of the export itself.
import { otelInterceptors } from "./otel-api.js";
import { registerSdk } from "./otel-sdk-setup.js";
import { rpcgenVariant } from "./rpcgen.js";
import type { Variant } from "./types.js";

registerSdk({ traces: true, metrics: true });

export const variant: Variant = rpcgenVariant(otelInterceptors);
