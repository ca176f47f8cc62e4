import { type EtcdClientOptions, EtcdConnection } from "./etcd/connection.js";

export type { EtcdAuth } from "./etcd/auth-token.js";
export type { EtcdClientOptions, EtcdTls } from "./etcd/connection.js";

/** The environment variable read when no endpoints are given: `host:2379,host2:2379`. */
export const ETCD_ENDPOINTS_ENV = "ETCD_ENDPOINTS";

/** Splits a comma-separated endpoint list (or joins a list), trimming blanks. */
export function parseEndpoints(endpoints: string | readonly string[] | undefined): string[] {
  if (endpoints === undefined) return [];
  const list = typeof endpoints === "string" ? endpoints.split(",") : endpoints.flatMap((e) => e.split(","));
  return list.map((e) => e.trim()).filter((e) => e !== "");
}

/** `ETCD_ENDPOINTS` as a list; empty when unset. */
export function endpointsFromEnv(): string[] {
  return parseEndpoints(process.env[ETCD_ENDPOINTS_ENV]);
}

/** A connection shared by every resolver that talks to the same endpoints; `release()` once per acquire. */
export interface SharedEtcdConnection {
  readonly etcd: EtcdConnection;
  release(): void;
}

const shared = new Map<string, { etcd: EtcdConnection; options: EtcdClientOptions; users: number }[]>();

/**
 * Every grpc-js channel gets its own resolver; sharing one etcd connection per endpoint list
 * and options keeps the connections to etcd independent of the number of clients.
 */
export function acquireEtcdConnection(endpoints: readonly string[], options: EtcdClientOptions): SharedEtcdConnection {
  const key = endpoints.join(",");
  const entries = shared.get(key) ?? [];
  shared.set(key, entries);
  let entry = entries.find((e) => e.options === options);
  if (entry === undefined) {
    entry = { etcd: new EtcdConnection(endpoints, options), options, users: 0 };
    entries.push(entry);
  }
  entry.users++;
  const current = entry;
  let released = false;
  return {
    etcd: current.etcd,
    release() {
      if (released) return;
      released = true;
      if (--current.users > 0) return;
      entries.splice(entries.indexOf(current), 1);
      if (entries.length === 0) shared.delete(key);
      current.etcd.close();
    },
  };
}
