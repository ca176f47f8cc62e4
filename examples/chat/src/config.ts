import type { BrokerChoice } from "./broker.js";

/**
 * Everything the server and clients read from the environment, in one place:
 *
 * - `HOST`, `PORT`: where the server listens (default 127.0.0.1:50051; PORT=0 picks a free port).
 * - `ADVERTISE_HOST`: the host registered in etcd when it differs from HOST (e.g. a pod IP).
 * - `ETCD_ENDPOINTS`: comma-separated etcd endpoints. Set, the server registers itself and the
 *   clients find servers through etcd; unset, nothing but the server is needed.
 * - `CHAT_ADDRS`: without etcd, the comma-separated addresses the clients call, round robin
 *   (default 127.0.0.1:50051).
 * - `BROKER`: `auto` (default: Redis if REDIS_URL is set and answers, else memory), `redis`
 *   or `memory`. Only Redis lets users on different server instances talk to each other.
 * - `REDIS_URL`: e.g. `redis://127.0.0.1:6379` (`redis://:password@host:port/db` with auth).
 */
export interface Config {
  host: string;
  port: number;
  advertiseHost: string | undefined;
  etcdEndpoints: string[];
  addresses: string;
  broker: BrokerChoice;
  redisUrl: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 50051);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, not "${env.PORT}"`);
  const broker = env.BROKER || "auto";
  if (broker !== "auto" && broker !== "redis" && broker !== "memory")
    throw new Error(`BROKER must be auto, redis or memory, not "${broker}"`);
  return {
    host: env.HOST ?? "127.0.0.1",
    port,
    advertiseHost: env.ADVERTISE_HOST || undefined,
    etcdEndpoints: (env.ETCD_ENDPOINTS ?? "")
      .split(",")
      .map((e) => e.trim())
      .filter((e) => e !== ""),
    addresses: env.CHAT_ADDRS || "127.0.0.1:50051",
    broker,
    redisUrl: env.REDIS_URL || undefined,
  };
}
