import { type EtcdEndpoints, readEndpoints } from "./etcd/endpoints.js";
import { parseEndpoints } from "./etcd-client.js";
import { isUnspecifiedHost } from "./instance-value.js";
import { DEFAULT_TTL_SECONDS } from "./registration.js";

/**
 * The discovery settings a server reads from its environment, parsed and checked here so that
 * every project reads `ETCD_ENDPOINTS`, `ETCD_TTL` and `ADVERTISE_HOST` the same way. Each
 * function throws a `TypeError` whose one-line message starts with the variable's name.
 */

/**
 * `ETCD_ENDPOINTS`: comma-separated `host:port` (or `http://host:port`, `https://host:port`)
 * entries, blanks ignored. Unset or empty: `[]` (no etcd).
 *
 * @throws TypeError naming `variable` for an entry that is not a dialable endpoint.
 */
export function parseEtcdEndpoints(value: string | undefined, variable = "ETCD_ENDPOINTS"): string[] {
  const entries = parseEndpoints(value);
  // The etcd client's own reader, one entry at a time so the message names the bad one.
  for (const entry of entries) {
    const host = tryRead([entry])?.addresses[0]?.host;
    if (host === undefined || isUnspecifiedHost(host)) {
      throw new TypeError(`${variable}: "${entry}" is not an etcd endpoint (host:port, e.g. 127.0.0.1:2379)`);
    }
  }
  if (entries.length > 0 && tryRead(entries) === undefined) {
    throw new TypeError(`${variable}: mixes https:// and plain entries; one etcd connection uses one scheme`);
  }
  return entries;
}

function tryRead(entries: string[]): EtcdEndpoints | undefined {
  try {
    return readEndpoints(entries);
  } catch {
    return undefined;
  }
}

/**
 * `ETCD_TTL`: the lease TTL in whole seconds (≥ 1), how long a crashed instance stays listed.
 * Unset or empty: {@link DEFAULT_TTL_SECONDS}.
 *
 * @throws TypeError naming `variable` for anything but a whole number ≥ 1.
 */
export function parseEtcdTtl(value: string | undefined, variable = "ETCD_TTL"): number {
  if (value === undefined || value.trim() === "") return DEFAULT_TTL_SECONDS;
  const ttl = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || ttl < 1) {
    throw new TypeError(`${variable}: "${value}" is not a whole number of seconds ≥ 1`);
  }
  return ttl;
}

/**
 * The host a server registers in etcd: `advertiseHost` (`ADVERTISE_HOST`) when set, else the
 * host it listens on, unless that is a wildcard (`0.0.0.0`, `::`), which no client can dial:
 * then `undefined`, and `registerInstance` detects this machine's address.
 *
 * @throws TypeError naming `variable` when `advertiseHost` itself is a wildcard.
 */
export function advertisedHost(
  listenHost: string,
  advertiseHost: string | undefined,
  variable = "ADVERTISE_HOST",
): string | undefined {
  if (advertiseHost !== undefined && advertiseHost !== "") {
    if (isUnspecifiedHost(advertiseHost)) {
      throw new TypeError(`${variable}: "${advertiseHost}" is a listen address; give the host clients dial`);
    }
    return advertiseHost;
  }
  return isUnspecifiedHost(listenHost) ? undefined : listenHost;
}
