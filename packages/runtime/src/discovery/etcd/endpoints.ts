import { experimental } from "@grpc/grpc-js";
import { formatHostPort, type HostPort, parseHostPort } from "../instance-value.js";

/** The grpc-js scheme of the channel to etcd: `rpcgen-etcd-endpoints:///h1:2379,h2:2379`. */
export const ENDPOINTS_SCHEME = "rpcgen-etcd-endpoints";

/** etcd endpoints read from `host:port`, `http://host:port` or `https://host:port` entries. */
export interface EtcdEndpoints {
  addresses: HostPort[];
  /** Whether the entries said `https://`. */
  https: boolean;
}

/**
 * Reads etcd endpoint entries. They must agree on the scheme: one channel is either TLS or not.
 * @throws TypeError naming the entry that is not `[scheme://]host:port`.
 */
export function readEndpoints(entries: readonly string[]): EtcdEndpoints {
  if (entries.length === 0) throw new TypeError("no etcd endpoints");
  let https: boolean | undefined;
  const addresses = entries.map((entry) => {
    const match = /^(https?):\/\/(.*?)\/?$/.exec(entry);
    const isHttps = match?.[1] === "https";
    if (https !== undefined && https !== isHttps) {
      throw new TypeError(`etcd endpoints ${entries.join(",")}: mix https:// and plain entries; use one scheme`);
    }
    https = isHttps;
    const address = parseHostPort(match?.[2] ?? entry);
    if (address === undefined) throw new TypeError(`etcd endpoint ${JSON.stringify(entry)} is not host:port`);
    return address;
  });
  return { addresses, https: https ?? false };
}

/** The channel target for `addresses`: one grpc-js channel, one subchannel per member. */
export function endpointsTarget(addresses: readonly HostPort[]): string {
  registerEndpointsResolver();
  return `${ENDPOINTS_SCHEME}:///${addresses.map(formatHostPort).join(",")}`;
}

/**
 * Hands grpc-js the fixed member list, host names included (grpc-js's own `ipv4:` list takes
 * IP addresses only; a subchannel connects to a name as given, so DNS is asked at each
 * connect). It answers once per start: answering every re-resolution request with the same
 * list would be a hot loop while a member is down.
 */
class EndpointsResolver implements experimental.Resolver {
  private answered = false;
  private readonly addresses: HostPort[];

  static getDefaultAuthority(target: experimental.GrpcUri): string {
    // TLS checks every member's certificate against this name (or grpc.ssl_target_name_override).
    const [first] = readEndpoints(target.path.split(",")).addresses;
    return first === undefined ? "localhost" : first.host;
  }

  constructor(
    target: experimental.GrpcUri,
    private readonly listener: experimental.ResolverListener,
  ) {
    this.addresses = readEndpoints(target.path.split(",")).addresses;
  }

  updateResolution(): void {
    if (this.answered) return;
    this.answered = true;
    const endpoints = this.addresses.map((a) => ({ addresses: [{ host: a.host, port: a.port }] }));
    // Never from inside updateResolution(); null keeps the channel's grpc.service_config.
    setImmediate(() => {
      if (this.answered) this.listener(experimental.statusOrFromValue(endpoints), {}, null, "");
    });
  }

  destroy(): void {
    this.answered = false;
  }
}

let registered = false;
function registerEndpointsResolver(): void {
  if (registered) return;
  registered = true;
  experimental.registerResolver(ENDPOINTS_SCHEME, EndpointsResolver);
}
