// rpcgen with one client and one server interceptor that pass every event through and do
// nothing else: what grpc-js's interceptor machinery costs by itself, the floor under any
// interceptor, tracing included (`npm run bench:otel`).
import * as grpc from "@grpc/grpc-js";
import { rpcgenVariant } from "./rpcgen.js";
import type { Variant } from "./types.js";

export const variant: Variant = rpcgenVariant({
  server: () => [(_descriptor, call) => new grpc.ServerInterceptingCall(call)],
  client: () => [(options, next) => new grpc.InterceptingCall(next(options))],
});
