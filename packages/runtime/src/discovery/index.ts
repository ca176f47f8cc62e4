/**
 * @rpcgen/runtime/discovery: service discovery over etcd for grpc-js, plus a static fallback.
 *
 * - Servers: {@link registerInstance} after binding; `close()` it before shutting down.
 * - Clients: {@link serviceTarget} picks `etcd:///<service>` when `ETCD_ENDPOINTS` is set,
 *   else a static address list; both dial with round robin.
 *
 * Importing this module registers the `etcd` scheme with grpc-js (idempotent; see
 * {@link registerEtcdResolver}), so `etcd:///<service>` works in any client afterwards.
 */
import { registerEtcdResolver } from "./etcd-resolver.js";

export { detectAdvertiseHost } from "./advertise-host.js";
export { ETCD_ENDPOINTS_ENV, type EtcdAuth, type EtcdClientOptions, type EtcdTls } from "./etcd-client.js";
export { type EtcdResolverOptions, registerEtcdResolver } from "./etcd-resolver.js";
export {
  DEFAULT_TTL_SECONDS,
  type RegisterOptions,
  type Registration,
  type RegistrationEvent,
  registerInstance,
} from "./registration.js";
export { advertisedHost, parseEtcdEndpoints, parseEtcdTtl } from "./server-settings.js";
export { type ServiceTargetOptions, serviceTarget } from "./service-target.js";
export { type ClientTarget, roundRobinOptions, staticTarget } from "./static-target.js";

registerEtcdResolver();
