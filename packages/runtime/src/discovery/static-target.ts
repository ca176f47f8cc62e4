import { isIPv4, isIPv6 } from "node:net";
import type { ClientOptions } from "@grpc/grpc-js";
import { formatHostPort, type HostPort, isUnspecifiedHost, parseHostPort } from "./instance-value.js";

/** A target and the channel options to dial it with: `new FooClient(target, credentials, options)`. */
export interface ClientTarget {
  target: string;
  options: ClientOptions;
}

/** The service config that turns on round robin (grpc-js defaults to pick_first). */
export function roundRobinServiceConfig(): { loadBalancingConfig: Array<{ round_robin: object }> } {
  return { loadBalancingConfig: [{ round_robin: {} }] };
}

/**
 * Channel options selecting round robin (`grpc.service_config`), for targets whose resolver
 * sets no service config, such as grpc-js's built-in `dns:`, `ipv4:` and `ipv6:`.
 */
export function roundRobinOptions(): ClientOptions {
  return { "grpc.service_config": JSON.stringify(roundRobinServiceConfig()) };
}

/**
 * A fixed list of addresses, dialled with round robin: the no-infrastructure counterpart of
 * `etcd:///<service>`. Uses grpc-js's built-in resolvers: `ipv4:a:1,b:2` for IPv4 addresses
 * (`localhost` counts as `127.0.0.1`), `ipv6:[a]:1,[b]:2` for IPv6 ones, `dns:host:port`
 * for a single host name (round robin across its DNS records).
 *
 * ```ts
 * const { target, options } = staticTarget("127.0.0.1:50051,127.0.0.1:50052");
 * const client = new GreeterClient(target, grpc.credentials.createInsecure(), options);
 * ```
 *
 * @param addresses `host:port` entries, as a list or comma-separated.
 * @throws TypeError for an empty list, an invalid or `0.0.0.0` address, several host names,
 *   or IPv4 and IPv6 addresses mixed (no built-in resolver takes those).
 */
export function staticTarget(addresses: string | readonly string[]): ClientTarget {
  const entries = (typeof addresses === "string" ? addresses.split(",") : addresses.flatMap((a) => a.split(",")))
    .map((a) => a.trim())
    .filter((a) => a !== "");
  if (entries.length === 0) throw new TypeError("staticTarget: no addresses given");
  const parsed: HostPort[] = entries.map((entry) => {
    const hp = parseHostPort(entry);
    if (hp === undefined) throw new TypeError(`staticTarget: ${JSON.stringify(entry)} is not host:port`);
    if (isUnspecifiedHost(hp.host)) {
      throw new TypeError(`staticTarget: ${entry} is a listen address, not one a client can dial`);
    }
    return hp.host === "localhost" ? { host: "127.0.0.1", port: hp.port } : hp;
  });
  const options = roundRobinOptions();
  if (parsed.every((hp) => isIPv4(hp.host))) return { target: `ipv4:${parsed.map(formatHostPort).join(",")}`, options };
  if (parsed.every((hp) => isIPv6(hp.host))) return { target: `ipv6:${parsed.map(formatHostPort).join(",")}`, options };
  const [only] = parsed;
  if (parsed.length === 1 && only !== undefined) return { target: `dns:${formatHostPort(only)}`, options };
  throw new TypeError(
    `staticTarget: ${entries.join(",")}: list either IP addresses of one family or a single host name`,
  );
}
