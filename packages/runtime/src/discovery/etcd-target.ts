import { parseEndpoints } from "./etcd-client.js";
import { checkName } from "./service-keys.js";

/** The scheme of etcd targets: `etcd:///<service>` and `etcd://host:2379,host2:2379/<service>`. */
export const ETCD_SCHEME = "etcd";

/** What an etcd target names: a service, and maybe the etcd endpoints to ask. */
export interface EtcdTarget {
  service: string;
  /** From the target's authority; `undefined` for `etcd:///<service>` (configured or `ETCD_ENDPOINTS`). */
  endpoints: string[] | undefined;
}

/**
 * Reads a target as grpc-js parsed it (`{ authority, path }`). Throws a TypeError naming the
 * target when the service name is not one key segment (e.g. `etcd:///services/greeter`).
 */
export function parseEtcdTarget(target: { authority?: string | undefined; path: string }): EtcdTarget {
  const service = target.path.replace(/^\/+/, "");
  const text = `${ETCD_SCHEME}://${target.authority ?? ""}/${target.path}`;
  try {
    checkName("service", service);
  } catch (err) {
    throw new TypeError(`${text}: ${(err as Error).message}; the target is etcd:///<service>`);
  }
  const endpoints = parseEndpoints(target.authority ?? "");
  return { service, endpoints: endpoints.length > 0 ? endpoints : undefined };
}

/** `etcd:///<service>`, or `etcd://h1:2379,h2:2379/<service>` when endpoints are given. */
export function etcdTarget(service: string, endpoints: readonly string[] = []): string {
  checkName("service", service);
  // The authority cannot carry a scheme: http:// is etcd3's default, TLS needs resolver options.
  const hosts = endpoints.map((e) => {
    if (e.startsWith("https://")) {
      throw new TypeError(
        `${e}: TLS etcd endpoints cannot go in a target; pass them to registerEtcdResolver() with credentials`,
      );
    }
    return e.replace(/^http:\/\//, "");
  });
  return `${ETCD_SCHEME}://${hosts.join(",")}/${service}`;
}
