import type * as grpc from "@grpc/grpc-js";
import { withCallMiddleware } from "../server/call-middleware.js";
import { traceConnectCalls } from "./connect-middleware.js";
import type { TelemetryOptions } from "./options.js";
import { traceGrpcServerCalls } from "./server-interceptor.js";

/**
 * A server interceptor that traces every call (a SERVER span named `package.Service/Method`,
 * child of the caller's span when the metadata carries one) and records `rpc.server.duration`.
 * The span is the active context while the handler runs, for every call kind and for async
 * generator handlers too, so spans the handler starts nest under it. Connect calls on
 * `listen()`'s port are traced the same way, with `rpc.system=connect_rpc`.
 *
 * ```ts
 * new grpc.Server({ interceptors: [traceServerCalls()] });
 * ```
 * It uses only `@opentelemetry/api`: without a registered SDK every span and measurement is a
 * no-op. Put it first in `interceptors` to also trace the calls another interceptor, such as
 * `bearerAuth`, rejects: grpc-js wraps the call in the first one outermost.
 */
export function traceServerCalls(options: TelemetryOptions = {}): grpc.ServerInterceptor {
  return withCallMiddleware(traceGrpcServerCalls(options), traceConnectCalls(options));
}
