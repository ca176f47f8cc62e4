import { isIPv6 } from "node:net";

/** A TCP address clients can dial: the shape grpc-js uses for subchannel addresses. */
export interface HostPort {
  host: string;
  port: number;
}

const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const PORT = /^\d{1,5}$/;

/**
 * Parses `host:port` or `[v6]:port`. Returns `undefined` for anything a client cannot dial:
 * no port, port 0 or above 65535, an empty host, or an unbracketed IPv6 address.
 */
export function parseHostPort(address: string): HostPort | undefined {
  let host: string;
  let port: string;
  if (address.startsWith("[")) {
    const end = address.indexOf("]");
    if (end < 0 || address[end + 1] !== ":") return undefined;
    host = address.slice(1, end);
    port = address.slice(end + 2);
    if (!isIPv6(host)) return undefined;
  } else {
    const colon = address.lastIndexOf(":");
    if (colon < 0) return undefined;
    host = address.slice(0, colon);
    port = address.slice(colon + 1);
    if (!HOSTNAME.test(host)) return undefined;
  }
  if (!PORT.test(port)) return undefined;
  const n = Number(port);
  if (n < 1 || n > 65535) return undefined;
  return { host, port: n };
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * True for the "any address" hosts a server listens on but no client can dial: `0.0.0.0`,
 * `::` (in any spelling) and the empty host of `:50051`.
 */
export function isUnspecifiedHost(host: string): boolean {
  const h = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (h === "") return true;
  if (/^0+(\.0+){3}$/.test(h)) return true;
  return isIPv6(h) && /^[0:]+$/.test(h);
}

/** What a registration says about itself beyond its address. */
export interface InstanceValueOptions {
  /** Stored as `Metadata` (grpc-go's field); default `null`. */
  metadata?: unknown;
  /**
   * The lease TTL in seconds, stored as `TTL`: how long a resolver keeps offering the address
   * after the key disappeared without the instance saying it was leaving (see `leaving`).
   */
  ttlSeconds?: number | undefined;
  /** Written by `close()` just before it revokes the lease: the instance is going away on purpose. */
  leaving?: boolean | undefined;
}

/**
 * The value registered for an instance: grpc-go's etcd naming shape
 * (`go.etcd.io/etcd/client/v3/naming/endpoints.Endpoint`, which Go clients decode ignoring
 * the extra `TTL` and `Leaving` fields), so Go clients resolve our servers.
 */
export function encodeInstanceValue(address: HostPort, options: InstanceValueOptions = {}): string {
  return JSON.stringify({
    Addr: formatHostPort(address),
    Metadata: options.metadata ?? null,
    ...(options.ttlSeconds !== undefined ? { TTL: options.ttlSeconds } : {}),
    ...(options.leaving ? { Leaving: true } : {}),
  });
}

/** An instance value as read: its address and what it says about its lease. */
export interface InstanceValue {
  address: HostPort;
  /** `TTL` when the value has one (ours do; grpc-go's, go-zero's and Kratos' do not). */
  ttlSeconds: number | undefined;
  /** `Leaving: true`: deregistering; drop the address now. */
  leaving: boolean;
}

/**
 * Reads an instance value written by us, by grpc-go's endpoints manager (`{"Addr":…}`), by
 * Kratos (`{"endpoints":["grpc://host:port",…]}`) or by go-zero (plain `host:port`).
 * Returns `undefined` for values no client could dial (including `0.0.0.0`), so a bad
 * registration is skipped instead of breaking the whole list.
 */
export function parseInstanceValue(value: string): HostPort | undefined {
  return readInstanceValue(value)?.address;
}

/** Like {@link parseInstanceValue}, with the `TTL` and `Leaving` fields of our own values. */
export function readInstanceValue(value: string): InstanceValue | undefined {
  const text = value.trim();
  let address: string | undefined;
  let ttlSeconds: number | undefined;
  let leaving = false;
  if (text.startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return undefined;
    }
    address = addressFromJson(json);
    const record = json as Record<string, unknown>;
    if (typeof record.TTL === "number" && Number.isFinite(record.TTL) && record.TTL > 0) ttlSeconds = record.TTL;
    leaving = record.Leaving === true;
  } else {
    address = text;
  }
  if (address === undefined) return undefined;
  const parsed = parseHostPort(address);
  if (parsed === undefined || isUnspecifiedHost(parsed.host)) return undefined;
  return { address: parsed, ttlSeconds, leaving };
}

function addressFromJson(json: unknown): string | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  const record = json as Record<string, unknown>;
  for (const key of ["Addr", "addr"]) {
    if (typeof record[key] === "string") return record[key];
  }
  // Kratos registers URLs per protocol; only the gRPC one is dialable here.
  if (Array.isArray(record.endpoints)) {
    for (const endpoint of record.endpoints) {
      if (typeof endpoint === "string" && endpoint.startsWith("grpc://")) {
        return endpoint.slice("grpc://".length).split(/[/?]/)[0];
      }
    }
  }
  return undefined;
}
