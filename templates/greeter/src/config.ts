/**
 * Everything the server and client read from the environment, in one place:
 *
 * - `HOST`, `PORT`: where the server listens (default 127.0.0.1:50051; PORT=0 picks a free port).
 * - `ADVERTISE_HOST`: the host registered in etcd when it differs from HOST (e.g. a pod IP).
 * - `ETCD_ENDPOINTS`: comma-separated etcd endpoints. Set, the server registers itself and the
 *   client finds servers through etcd; unset, nothing but the server is needed.
 * - `GREETER_ADDRS`: without etcd, the comma-separated addresses the client calls, round robin
 *   (default 127.0.0.1:50051).
 */
export interface Config {
  host: string;
  port: number;
  advertiseHost: string | undefined;
  etcdEndpoints: string[];
  addresses: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 50051);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, not "${env.PORT}"`);
  return {
    host: env.HOST ?? "127.0.0.1",
    port,
    advertiseHost: env.ADVERTISE_HOST || undefined,
    etcdEndpoints: (env.ETCD_ENDPOINTS ?? "")
      .split(",")
      .map((e) => e.trim())
      .filter((e) => e !== ""),
    addresses: env.GREETER_ADDRS || "127.0.0.1:50051",
  };
}
