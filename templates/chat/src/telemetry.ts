/**
 * OpenTelemetry traces and metrics, off unless the standard variables ask for them:
 *
 * - `OTEL_EXPORTER_OTLP_ENDPOINT` (e.g. `http://localhost:4318`): spans and metrics go there over OTLP.
 * - `OTEL_TRACES_EXPORTER=console`: spans (and, unless `OTEL_METRICS_EXPORTER` says otherwise,
 *   metrics) are printed on stdout.
 *
 * Every other setting is the SDK's own variable (`OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`,
 * `OTEL_EXPORTER_OTLP_PROTOCOL`, ...). With none of the two set, neither the SDK nor @rpcgen/runtime/otel
 * is loaded and no interceptor is installed.
 *
 * The SDK is not a dependency of the project (it is 40 MB): `npm install @opentelemetry/api
 * @opentelemetry/sdk-node` adds it. Asked for without it, the program says so in one line and
 * runs untraced.
 */
import type * as grpc from "@grpc/grpc-js";

/** The part of @opentelemetry/sdk-node's NodeSDK used here (loaded by name, so it may be absent). */
interface NodeSdk {
  start(): void;
  shutdown(): Promise<void>;
}
const SDK = "@opentelemetry/sdk-node";

export interface Telemetry {
  /** For `new grpc.Server({ interceptors })`: a span and `rpc.server.duration` per call. */
  readonly serverInterceptors: grpc.ServerInterceptor[];
  /** For a client's options: a span and `rpc.client.duration` per call, the trace sent along. */
  readonly clientInterceptors: grpc.Interceptor[];
  /** Sends what is still buffered and stops the SDK; call it before the process exits. */
  shutdown(): Promise<void>;
}

export function telemetryEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT) || (env.OTEL_TRACES_EXPORTER ?? "").split(",").includes("console");
}

/** Starts the SDK when {@link telemetryEnabled}; `target` is what a client dials (for `server.address`). */
export async function startTelemetry(serviceName: string, target?: string): Promise<Telemetry> {
  const off: Telemetry = { serverInterceptors: [], clientInterceptors: [], shutdown: async () => {} };
  if (!telemetryEnabled()) return off;
  let NodeSDK: new () => NodeSdk;
  try {
    ({ NodeSDK } = (await import(SDK)) as { NodeSDK: new () => NodeSdk });
  } catch {
    process.stderr.write(
      `warning: OTEL_ variables are set but ${SDK} is not installed (npm install @opentelemetry/api ${SDK}); not tracing\n`,
    );
    return off;
  }
  process.env.OTEL_SERVICE_NAME ??= serviceName;
  // Without this the SDK sends metrics to an OTLP endpoint even when only console output was asked for.
  process.env.OTEL_METRICS_EXPORTER ??= process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? "otlp" : "console";
  const { traceClientCalls, traceServerCalls } = await import("@rpcgen/runtime/otel");
  const sdk = new NodeSDK();
  sdk.start();
  return {
    serverInterceptors: [traceServerCalls()],
    clientInterceptors: [traceClientCalls(target === undefined ? {} : { target })],
    shutdown: () => sdk.shutdown(),
  };
}
