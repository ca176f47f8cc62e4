import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";

/**
 * A host other machines can likely reach this one on: the first non-internal IPv4 address
 * (not link-local 169.254/16), else the first non-internal IPv6 address (not fe80::/10), else
 * `127.0.0.1` (a machine with no network: only local clients can reach it anyway).
 *
 * On machines with several interfaces (Docker bridges, VPNs) this may pick the wrong one:
 * pass the host explicitly (e.g. the pod IP) when that matters.
 */
export function detectAdvertiseHost(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string {
  const all = Object.values(interfaces).flatMap((list) => list ?? []);
  const external = all.filter((i) => !i.internal);
  const v4 = external.find((i) => i.family === "IPv4" && !i.address.startsWith("169.254."));
  if (v4 !== undefined) return v4.address;
  const v6 = external.find((i) => i.family === "IPv6" && !/^fe[89ab]/i.test(i.address));
  if (v6 !== undefined) return v6.address;
  return "127.0.0.1";
}
