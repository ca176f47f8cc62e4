import { Etcd3, type IOptions } from "etcd3";

/** Options for the etcd3 client, except `hosts` (see `endpoints`): TLS `credentials`, `auth`, … */
export type EtcdClientOptions = Omit<IOptions, "hosts">;

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

type HostPolicy = ReturnType<NonNullable<NonNullable<IOptions["faultHandling"]>["host"]>>;

/**
 * Sends every call to etcd. etcd3's default per-host circuit breaker refuses all calls for
 * 5 s after three failures, so after an outage re-registration could come later than the
 * expiry of the old lease (which etcd extends by one TTL when it restarts) and the instance
 * would drop out of every client for a moment. Our loops back off on their own instead.
 */
const passThrough: HostPolicy = {
  _altReturn: undefined as never,
  onSuccess: () => ({ dispose() {} }),
  onFailure: () => ({ dispose() {} }),
  execute: async (fn, signal) => fn({ signal: signal ?? new AbortController().signal }),
};

/**
 * An etcd3 client for `endpoints`, without the per-host circuit breaker (see `passThrough`).
 * HTTP/2 keepalive pings (10 s, above etcd's 5 s minimum) let a watch or lease stream notice
 * a silently dead connection instead of waiting forever.
 */
export function createEtcdClient(endpoints: readonly string[], options: EtcdClientOptions = {}): Etcd3 {
  return new Etcd3({
    ...options,
    hosts: [...endpoints],
    faultHandling: { host: () => passThrough, ...options.faultHandling },
    grpcOptions: { "grpc.keepalive_time_ms": 10_000, "grpc.keepalive_timeout_ms": 5_000, ...options.grpcOptions },
  });
}

/** A client shared by every resolver that talks to the same endpoints; `release()` once per acquire. */
export interface SharedEtcdClient {
  readonly client: Etcd3;
  release(): void;
}

const shared = new Map<string, { client: Etcd3; users: number }>();

/**
 * Every grpc-js channel gets its own resolver; sharing one etcd3 client (and so one watch
 * stream) per endpoint list keeps the load on etcd independent of the number of clients.
 */
export function acquireEtcdClient(endpoints: readonly string[], options: EtcdClientOptions): SharedEtcdClient {
  const key = endpoints.join(",");
  let entry = shared.get(key);
  if (entry === undefined) {
    entry = { client: createEtcdClient(endpoints, options), users: 0 };
    shared.set(key, entry);
  }
  entry.users++;
  const current = entry;
  let released = false;
  return {
    client: current.client,
    release() {
      if (released) return;
      released = true;
      if (--current.users === 0) {
        shared.delete(key);
        current.client.close();
      }
    },
  };
}
