import type * as grpc from "@grpc/grpc-js";

/** The rpcs of bench.v1.BenchService: grpc-js key, path and stream flags. */
export const RPCS = {
  unary: { path: "/bench.v1.BenchService/Unary", requestStream: false, responseStream: false },
  serverStream: { path: "/bench.v1.BenchService/ServerStream", requestStream: false, responseStream: true },
  clientStream: { path: "/bench.v1.BenchService/ClientStream", requestStream: true, responseStream: false },
  pingPong: { path: "/bench.v1.BenchService/PingPong", requestStream: true, responseStream: true },
  idle: { path: "/bench.v1.BenchService/Idle", requestStream: false, responseStream: true },
} as const;

export interface Codec<I, O> {
  requestSerialize(value: I): Buffer;
  requestDeserialize(bytes: Buffer): I;
  responseSerialize(value: O): Buffer;
  responseDeserialize(bytes: Buffer): O;
}

/** A hand-written grpc-js service definition: every rpc of the bench service with the same codec. */
export function serviceDefinition<I, O>(codec: Codec<I, O>): grpc.ServiceDefinition {
  const definition: Record<string, grpc.MethodDefinition<I, O>> = {};
  for (const [key, rpc] of Object.entries(RPCS)) definition[key] = { ...rpc, ...codec };
  return definition as grpc.ServiceDefinition;
}
