/**
 * The broker that carries messages between server instances: a channel name and a string,
 * fire and forget, to every subscriber of that channel at that moment (at most once); and
 * the names in use, so that two instances never let two users take the same one.
 *
 * Two implementations: {@link RedisBroker} (Redis Pub/Sub, shared by every instance that uses
 * the same Redis) and {@link MemoryBroker} (this process only). `openBroker` picks one from
 * BROKER and REDIS_URL; test/broker.test.ts runs the same contract against both.
 */
import { MemoryBroker } from "./memory-broker.js";
import { type BrokerEvent, RedisBroker } from "./redis-broker.js";

/** Called once per message, in publish order per channel. Must not throw (errors are logged). */
export type MessageHandler = (message: string) => void;

export interface Subscription {
  /** Stops the handler at once; the broker leaves the channel once its last handler is gone. Idempotent. */
  unsubscribe(): Promise<void>;
}

export interface Broker {
  readonly kind: "redis" | "memory";
  /**
   * Sends `message` to every current subscriber of `channel`. Resolves with how many receivers
   * had it (Redis: subscribed connections, one per server instance; memory: handlers): 0 means
   * nobody listens. Nothing is stored: a subscriber that is not connected now never sees it.
   */
  publish(channel: string, message: string): Promise<number>;
  /** Resolves once the subscription is active: messages published after that reach `handler`. */
  subscribe(channel: string, handler: MessageHandler): Promise<Subscription>;
  /** The channels this process is subscribed to now: empty when no subscription is left. */
  channels(): string[];
  /**
   * Takes `key` for `owner` for `ttlMs` unless another owner holds it; true if `owner` holds it
   * now. Claiming again as the same owner extends the hold (call it well within the TTL). A
   * key whose owner stopped extending it (a crashed instance) is free again after the TTL.
   */
  claim(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Frees `key` if `owner` holds it. */
  release(key: string, owner: string): Promise<void>;
  /** Closes connections; later calls reject. */
  close(): Promise<void>;
}

export type BrokerChoice = "auto" | "redis" | "memory";

export interface OpenedBroker {
  broker: Broker;
  /** For the startup line, e.g. `redis at redis://127.0.0.1:6379` (never a password). */
  description: string;
  /** Set when BROKER=auto fell back to memory: one line to print. */
  warning?: string;
}

export interface OpenBrokerOptions {
  /** Told when the Redis connections drop and come back, e.g. to log it. */
  onEvent?: (event: BrokerEvent) => void;
  /** How long to wait for Redis at startup (default: 5 s with BROKER=redis, 2 s with auto). */
  timeoutMs?: number;
}

/**
 * The broker BROKER asks for. `redis` must reach REDIS_URL (else this rejects); `memory` is
 * this process only; `auto` uses Redis when REDIS_URL is set and answers, else memory with a
 * warning, since then messages never cross server instances.
 */
export async function openBroker(
  config: { broker: BrokerChoice; redisUrl: string | undefined },
  options: OpenBrokerOptions = {},
): Promise<OpenedBroker> {
  const { broker: choice, redisUrl } = config;
  const memory = "memory, this instance only";
  if (choice === "memory") return { broker: new MemoryBroker(), description: memory };
  if (redisUrl === undefined) {
    if (choice === "redis") throw new Error("BROKER=redis needs REDIS_URL, e.g. redis://127.0.0.1:6379");
    return {
      broker: new MemoryBroker(),
      description: memory,
      warning: `warning: BROKER=auto and no REDIS_URL: ${FALLBACK}`,
    };
  }
  const description = `redis at ${redactUrl(redisUrl)}`;
  try {
    const broker = await RedisBroker.connect(redisUrl, {
      readyTimeoutMs: options.timeoutMs ?? (choice === "redis" ? 5000 : 2000),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    return { broker, description };
  } catch (err) {
    if (choice === "redis") throw new Error(`${description}: ${(err as Error).message}`);
    return {
      broker: new MemoryBroker(),
      description: memory,
      warning: `warning: BROKER=auto could not use ${description} (${(err as Error).message}); ${FALLBACK}`,
    };
  }
}

const FALLBACK = "using the in-memory broker: single instance only, messages do not cross server instances";

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(invalid URL)";
  }
}
