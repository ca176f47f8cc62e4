import { ETCD_ENDPOINTS_ENV, endpointsFromEnv, parseEndpoints } from "./etcd-client.js";
import { etcdTarget } from "./etcd-target.js";
import { type ClientTarget, staticTarget } from "./static-target.js";

/** Options for {@link serviceTarget}. */
export interface ServiceTargetOptions {
  /**
   * Where the service runs when there is no etcd: `host:port` entries, as a list or
   * comma-separated (e.g. from an environment variable).
   */
  addresses?: string | readonly string[] | undefined;
  /** etcd endpoints; default `ETCD_ENDPOINTS`. When there are none, `addresses` is used. */
  endpoints?: string | readonly string[] | undefined;
}

/**
 * How a client should dial `service`: through etcd when endpoints are configured
 * (`ETCD_ENDPOINTS` or `options.endpoints`), else the static `addresses`; round robin both
 * ways. Pass both parts to the generated client:
 *
 * ```ts
 * import { serviceTarget } from "@rpcgen/runtime/discovery";
 * const { target, options } = serviceTarget("greeter", { addresses: process.env.GREETER_ADDR ?? "127.0.0.1:50051" });
 * const client = new GreeterClient(target, grpc.credentials.createInsecure(), options);
 * ```
 *
 * @returns `etcd:///greeter` (endpoints from the environment), `etcd://h1:2379,h2:2379/greeter`
 *   (explicit endpoints) or a {@link staticTarget}.
 * @throws TypeError when there are neither etcd endpoints nor addresses.
 */
export function serviceTarget(service: string, options: ServiceTargetOptions = {}): ClientTarget {
  const explicit = parseEndpoints(options.endpoints);
  if (explicit.length > 0) return { target: etcdTarget(service, explicit), options: {} };
  if (endpointsFromEnv().length > 0) return { target: etcdTarget(service), options: {} };
  if (parseEndpoints(options.addresses).length === 0) {
    throw new TypeError(`serviceTarget(${JSON.stringify(service)}): set ${ETCD_ENDPOINTS_ENV} or pass addresses`);
  }
  return staticTarget(options.addresses ?? []);
}
