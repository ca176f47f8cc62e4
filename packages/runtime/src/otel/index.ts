/**
 * @rpcgen/runtime/otel: OpenTelemetry traces and metrics for rpcgen (and any grpc-js) servers and
 * clients, as interceptors: no monkey-patching, no `--require`, the same in ESM and CommonJS.
 * Depends only on `@opentelemetry/api` (an optional peer dependency); apps that do not import
 * this entry point never load it.
 */

export { traceClientCalls } from "./client-interceptor.js";
export type { ClientTelemetryOptions, TelemetryOptions } from "./options.js";
export { traceServerCalls } from "./trace-server-calls.js";
