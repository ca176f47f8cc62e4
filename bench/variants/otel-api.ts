// rpcgen with @rpcgen/runtime/otel's interceptors on both sides and only @opentelemetry/api loaded: no SDK
// is registered, so every span and measurement is the API's no-op. The cost an app pays for
// leaving tracing wired in while it is off.
import { traceClientCalls, traceServerCalls } from "@rpcgen/runtime/otel";
import { type Interceptors, rpcgenVariant } from "./rpcgen.js";
import type { Variant } from "./types.js";

export const otelInterceptors: Interceptors = {
  server: () => [traceServerCalls()],
  client: (target) => [traceClientCalls({ target })],
};

export const variant: Variant = rpcgenVariant(otelInterceptors);
