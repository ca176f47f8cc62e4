import type * as grpc from "@grpc/grpc-js";

/**
 * The interceptors a grpc-js server was built with. grpc-js keeps them in a private field and
 * has no getter; the Connect side of `listen()` reads them so that one `interceptors` list
 * configures both protocols. test/runtime/upstream.test.ts fails if grpc-js renames the field.
 */
export function serverInterceptors(server: grpc.Server): readonly grpc.ServerInterceptor[] {
  const interceptors = (server as unknown as { interceptors?: unknown }).interceptors;
  if (interceptors === undefined) return [];
  if (!Array.isArray(interceptors)) throw new TypeError("this grpc-js version keeps its interceptors elsewhere");
  return interceptors as grpc.ServerInterceptor[];
}
