import { advertisedHost, parseEtcdEndpoints, parseEtcdTtl } from "@rpcgen/runtime/discovery";
import type { BrokerChoice } from "./broker.js";

/**
 * Every setting, read from the environment and checked here, in one place (the README's table
 * lists them). A bad value throws a {@link ConfigError} whose one-line message names the variable.
 */
export interface Config {
  /** `HOST`: where the server listens (default 127.0.0.1; 0.0.0.0 or :: for every interface). */
  host: string;
  /** `PORT` (default 50051; 0 picks a free port). */
  port: number;
  /** The host registered in etcd: `ADVERTISE_HOST`, else `HOST` unless a wildcard; undefined: detected. */
  advertiseHost: string | undefined;
  /** `ETCD_ENDPOINTS`, comma-separated: set, the server registers and the clients dial through etcd. */
  etcdEndpoints: string[];
  /** `ETCD_TTL`: the lease TTL in seconds, how long a crashed server stays listed (default 10). */
  etcdTtlSeconds: number;
  /** `LOG_CALLS`: one log line per call, 1 or 0 (default 1). */
  logCalls: boolean;
  /** `REFLECTION`: serve gRPC server reflection, for buf curl and grpcurl, 1 or 0 (default 1). */
  reflection: boolean;
  /** `SHUTDOWN_GRACE_MS`: how long open calls may run on after SIGTERM (default 10000). */
  shutdownGraceMs: number;
  /** `PUBSUB_ADDRS`: without etcd, the comma-separated addresses the clients call, round robin. */
  addresses: string;
  /**
   * `BROKER`: `auto` (default: Redis if REDIS_URL is set and answers, else memory), `redis` or
   * `memory`. Only Redis carries messages between server instances.
   */
  broker: BrokerChoice;
  /** `REDIS_URL`: e.g. `redis://127.0.0.1:6379` (`redis://:password@host:port/db` with auth). */
  redisUrl: string | undefined;
}

/** A setting with a value the program cannot use; the message names the variable. */
export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const host = env.HOST || "127.0.0.1";
  return {
    host,
    port: wholeNumber(env, "PORT", 50051, 65535),
    advertiseHost: checked(() => advertisedHost(host, env.ADVERTISE_HOST)),
    etcdEndpoints: checked(() => parseEtcdEndpoints(env.ETCD_ENDPOINTS)),
    etcdTtlSeconds: checked(() => parseEtcdTtl(env.ETCD_TTL)),
    logCalls: flag(env, "LOG_CALLS", true),
    reflection: flag(env, "REFLECTION", true),
    shutdownGraceMs: wholeNumber(env, "SHUTDOWN_GRACE_MS", 10_000, 3_600_000),
    addresses: env.PUBSUB_ADDRS || "127.0.0.1:50051",
    broker: brokerChoice(env.BROKER),
    redisUrl: redisUrl(env.REDIS_URL),
  };
}

/** {@link loadConfig}, or the one-line reason on stderr and exit code 1. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`cannot start: ${err.message}`);
    process.exit(1);
  }
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max)
    throw new ConfigError(`${name}: "${raw}" is not a number from 0 to ${max}`);
  return Number(raw);
}

function brokerChoice(raw: string | undefined): BrokerChoice {
  const broker = raw || "auto";
  if (broker !== "auto" && broker !== "redis" && broker !== "memory")
    throw new ConfigError(`BROKER: "${broker}" is not auto, redis or memory`);
  return broker;
}

function redisUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (!/^rediss?:\/\/[^\s]*$/.test(raw) || !URL.canParse(raw))
    // Not the value itself: it may hold a password.
    throw new ConfigError("REDIS_URL: not a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)");
  return raw;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ConfigError(`${name}: "${env[name]}" is not 1 or 0`);
}

/** The discovery parsers throw TypeError naming the variable: the same one-line error here. */
function checked<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw err instanceof TypeError ? new ConfigError(err.message) : err;
  }
}
