import { type ChannelOptions, experimental, status } from "@grpc/grpc-js";
import {
  acquireEtcdConnection,
  ETCD_ENDPOINTS_ENV,
  type EtcdClientOptions,
  endpointsFromEnv,
  parseEndpoints,
  type SharedEtcdConnection,
} from "./etcd-client.js";
import { ETCD_SCHEME, type EtcdTarget, parseEtcdTarget } from "./etcd-target.js";
import { formatHostPort, type HostPort } from "./instance-value.js";
import { InstanceWatch } from "./instance-watch.js";
import { servicePrefix } from "./service-keys.js";
import { roundRobinServiceConfig } from "./static-target.js";

/** Options for {@link registerEtcdResolver}. */
export interface EtcdResolverOptions {
  /**
   * etcd endpoints for `etcd:///<service>` targets (`etcd://host:2379/<service>` names its
   * own). Default: `ETCD_ENDPOINTS`, read when a channel first resolves.
   */
  endpoints?: string | readonly string[] | undefined;
  /** How to reach etcd: TLS `credentials`, user/password `auth`, `grpcOptions`. */
  etcd?: EtcdClientOptions | undefined;
}

let registered = false;
let defaults: { endpoints: string[]; etcd: EtcdClientOptions } = { endpoints: [], etcd: {} };

/**
 * Teaches grpc-js the `etcd` scheme, so any client (generated ones included) can dial
 * `etcd:///<service>` or `etcd://host1:2379,host2:2379/<service>` and get round robin across
 * the instances registered under `/services/<service>/`.
 *
 * Importing `@rpcgen/runtime/discovery` already calls this with no options; call it yourself only to
 * set endpoints or TLS/auth options, before creating clients. It is idempotent: the scheme
 * is registered once, later calls only replace the defaults.
 *
 * ```ts
 * registerEtcdResolver({ endpoints: "10.0.0.1:2379,10.0.0.2:2379" });
 * const client = new GreeterClient("etcd:///greeter", grpc.credentials.createInsecure());
 * ```
 */
export function registerEtcdResolver(options?: EtcdResolverOptions): void {
  if (options !== undefined) {
    defaults = { endpoints: parseEndpoints(options.endpoints), etcd: options.etcd ?? {} };
  }
  if (registered) return;
  registered = true;
  experimental.registerResolver(ETCD_SCHEME, EtcdResolver);
}

/**
 * The grpc-js resolver for etcd targets. grpc-js creates one per channel, calls
 * `updateResolution()` whenever it wants addresses (first use, a backend lost, leaving idle)
 * and `destroy()` when the channel closes or goes idle.
 *
 * - The first `updateResolution()` starts an {@link InstanceWatch}; later ones do nothing.
 *   Answering each of them with the same list would be a hot loop: every answer resets the
 *   channel's re-resolution backoff and round robin asks again at once.
 * - Results are pushed only when the set of addresses changes, with a round_robin service
 *   config (unless the channel has its own `grpc.service_config`, which then applies).
 * - Instances whose keys vanished without deregistering (lease expiry, as an etcd stall
 *   causes) stay for one TTL; see `InstanceSet` (instance-set.ts).
 * - No instances: an empty list, so calls fail at once with UNAVAILABLE naming the service.
 * - etcd unreachable: the last known addresses stay; with none known yet, calls fail at
 *   once with UNAVAILABLE naming the service and the etcd error.
 */
export class EtcdResolver implements experimental.Resolver {
  private readonly target: EtcdTarget;
  private readonly serviceConfig: Parameters<experimental.ResolverListener>[2];
  // Set from the first updateResolution() until destroy(): one watch per start, never two.
  private session: { watch?: InstanceWatch; etcd?: SharedEtcdConnection } | undefined;
  private lastPush: string | undefined;
  private known = false; // whether etcd ever gave this session a list (empty or not)

  static getDefaultAuthority(target: experimental.GrpcUri): string {
    return parseEtcdTarget(target).service;
  }

  constructor(
    uri: experimental.GrpcUri,
    private readonly listener: experimental.ResolverListener,
    options: ChannelOptions,
  ) {
    // grpc-js 1.10-1.13 passed an object here; this resolver is written for 1.14's function.
    if (typeof listener !== "function") {
      throw new Error("@rpcgen/runtime/discovery needs @grpc/grpc-js 1.14 or later (resolver listener API)");
    }
    this.target = parseEtcdTarget(uri);
    this.serviceConfig = options["grpc.service_config"]
      ? null
      : experimental.statusOrFromValue({ ...roundRobinServiceConfig(), methodConfig: [] });
  }

  updateResolution(): void {
    if (this.session !== undefined) return;
    const { service } = this.target;
    const endpoints =
      this.target.endpoints ?? (defaults.endpoints.length > 0 ? defaults.endpoints : endpointsFromEnv());
    if (endpoints.length === 0) {
      // Not an exception: grpc-js would turn it into an opaque error far from here.
      const details = `etcd:///${service}: no etcd endpoints; set ${ETCD_ENDPOINTS_ENV}, call registerEtcdResolver({ endpoints }) or dial etcd://host:2379/${service}`;
      const session = {};
      this.session = session;
      // The listener must not be called from inside updateResolution().
      setImmediate(() => {
        if (this.session === session) this.pushError(details);
      });
      return;
    }
    let etcd: SharedEtcdConnection;
    try {
      etcd = acquireEtcdConnection(endpoints, defaults.etcd);
    } catch (err) {
      const session = {};
      this.session = session;
      const details = `etcd:///${service}: ${(err as Error).message}`;
      setImmediate(() => {
        if (this.session === session) this.pushError(details);
      });
      return;
    }
    const prefix = servicePrefix(service);
    const watch = new InstanceWatch(etcd.etcd, prefix, {
      onInstances: (instances) => {
        if (this.session?.watch !== watch) return;
        this.known = true;
        this.pushAddresses([...instances.values()], prefix);
      },
      onError: (error) => {
        if (this.session?.watch !== watch || this.known) return;
        this.pushError(`${service}: cannot list instances in etcd (${endpoints.join(",")}): ${error.message}`);
      },
    });
    this.session = { watch, etcd };
    watch.start();
  }

  destroy(): void {
    const session = this.session;
    this.session = undefined;
    this.lastPush = undefined;
    this.known = false;
    session?.watch?.stop();
    session?.etcd?.release();
  }

  private pushAddresses(addresses: HostPort[], prefix: string): void {
    const sorted = addresses.map(formatHostPort).sort();
    const key = `ok:${sorted.join(",")}`;
    if (key === this.lastPush) return;
    this.lastPush = key;
    const endpoints = addresses.map((a) => ({ addresses: [{ host: a.host, port: a.port }] }));
    if (endpoints.length > 0) {
      this.listener(experimental.statusOrFromValue(endpoints), {}, this.serviceConfig, "");
      return;
    }
    // grpc-js 1.14.7's round_robin, given an empty list, ends IDLE with a queueing picker (calls
    // wait for their deadline), and ignores an error while it still has backends. So: clear the
    // backends with the empty list, then report the error, which now fails calls at once.
    const details = `no instances of service ${this.target.service} registered in etcd under ${prefix}`;
    this.listener(experimental.statusOrFromValue([]), {}, this.serviceConfig, details);
    this.listener(
      experimental.statusOrFromError({ code: status.UNAVAILABLE, details }),
      {},
      this.serviceConfig,
      details,
    );
  }

  private pushError(details: string): void {
    const key = `error:${details}`;
    if (key === this.lastPush) return;
    this.lastPush = key;
    this.listener(
      experimental.statusOrFromError({ code: status.UNAVAILABLE, details }),
      {},
      this.serviceConfig,
      details,
    );
  }
}
