import { Redis, type RedisOptions } from "ioredis";
import type { Broker, MessageHandler, Subscription } from "./broker.js";
import { deliver } from "./memory-broker.js";

/** Connection trouble and recovery, for logs: Redis restarting shows up as `down` then `up`. */
export type BrokerEvent =
  | { type: "down"; connection: "publisher" | "subscriber"; error: Error }
  | { type: "up"; connection: "publisher" | "subscriber" };

export interface RedisBrokerOptions {
  /** How long `connect` waits for both connections (default 5000 ms). */
  readyTimeoutMs?: number;
  onEvent?: (event: BrokerEvent) => void;
}

interface ChannelState {
  handlers: Set<MessageHandler>;
  /** The SUBSCRIBE of this channel, awaited by everyone who subscribes while it is pending. */
  subscribed: Promise<unknown>;
}

/**
 * Redis Pub/Sub (PUBLISH / SUBSCRIBE) through ioredis, on two connections: commands on one,
 * and a dedicated subscriber connection, which Redis reserves for pub/sub under RESP2.
 *
 * One Redis subscription per channel however many local handlers it has; the last handler
 * to leave unsubscribes it. If Redis goes away, ioredis reconnects and subscribes again by
 * itself; messages published meanwhile are lost (Pub/Sub is at most once).
 */
export class RedisBroker implements Broker {
  readonly kind = "redis";
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #channels = new Map<string, ChannelState>();
  #closed = false;

  private constructor(pub: Redis, sub: Redis) {
    this.#pub = pub;
    this.#sub = sub;
    this.#sub.on("message", (channel: string, message: string) => {
      const state = this.#channels.get(channel);
      if (state === undefined) return;
      for (const handler of [...state.handlers]) if (state.handlers.has(handler)) deliver(channel, handler, message);
    });
  }

  /** Connects to `url` (e.g. `redis://127.0.0.1:6379`); rejects if Redis does not answer in time. */
  static async connect(url: string, options: RedisBrokerOptions = {}): Promise<RedisBroker> {
    const onEvent = options.onEvent ?? (() => {});
    const common: RedisOptions = {
      // Reconnect quickly once Redis is back (default: up to 5 s), forever.
      retryStrategy: (times) => Math.min(times * 100, 2000),
      connectTimeout: 5000,
    };
    // A publish while Redis is unreachable fails after a few reconnect attempts instead of
    // waiting: the caller learns that the message did not go out.
    const pub = watch(new Redis(url, { ...common, maxRetriesPerRequest: 2 }), "publisher", onEvent);
    // SUBSCRIBE and UNSUBSCRIBE wait for Redis to come back rather than fail.
    const sub = watch(new Redis(url, { ...common, maxRetriesPerRequest: null }), "subscriber", onEvent);
    try {
      await Promise.all([ready(pub, options.readyTimeoutMs ?? 5000), ready(sub, options.readyTimeoutMs ?? 5000)]);
    } catch (err) {
      pub.disconnect();
      sub.disconnect();
      throw err;
    }
    return new RedisBroker(pub, sub);
  }

  async publish(channel: string, message: string): Promise<number> {
    this.#checkOpen();
    return await this.#pub.publish(channel, message);
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Subscription> {
    this.#checkOpen();
    let state = this.#channels.get(channel);
    if (state === undefined) {
      // Commands on one connection run in order, so a SUBSCRIBE sent after a pending
      // UNSUBSCRIBE of the same channel leaves it subscribed.
      state = { handlers: new Set(), subscribed: this.#sub.subscribe(channel) };
      this.#channels.set(channel, state);
    }
    const entry: MessageHandler = (message) => handler(message);
    state.handlers.add(entry);
    const subscription = { unsubscribe: once(() => this.#remove(channel, state, entry)) };
    try {
      await state.subscribed;
    } catch (err) {
      await subscription.unsubscribe();
      throw err;
    }
    return subscription;
  }

  channels(): string[] {
    return [...this.#channels.keys()];
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channels.clear();
    await Promise.all([this.#pub, this.#sub].map(quit));
  }

  async #remove(channel: string, state: ChannelState, handler: MessageHandler): Promise<void> {
    state.handlers.delete(handler);
    if (state.handlers.size > 0 || this.#channels.get(channel) !== state) return;
    this.#channels.delete(channel);
    if (!this.#closed) await this.#sub.unsubscribe(channel);
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("broker is closed");
  }
}

/**
 * Error listeners on the connection (without one, Node would throw an `error` event while
 * Redis is unreachable) reported once per outage, and recovery.
 */
function watch(redis: Redis, connection: "publisher" | "subscriber", onEvent: (e: BrokerEvent) => void): Redis {
  let down = false;
  redis.on("error", (error: Error) => {
    if (down) return;
    down = true;
    onEvent({ type: "down", connection, error });
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    onEvent({ type: "up", connection });
  });
  return redis;
}

function ready(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (err: Error) => {
      lastError = err;
    };
    const done = (err?: Error) => {
      clearTimeout(timer);
      redis.off("ready", onReady);
      redis.off("error", onError);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => done();
    const timer = setTimeout(
      () => done(new Error(`no answer within ${timeoutMs} ms${lastError ? `: ${lastError.message}` : ""}`)),
      timeoutMs,
    );
    redis.on("ready", onReady);
    redis.on("error", onError);
  });
}

/** QUIT (sends what is queued first), or drop the connection if Redis does not answer in a second. */
async function quit(redis: Redis): Promise<void> {
  if (redis.status === "end") return;
  if (redis.status !== "ready") {
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    redis.quit().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 1000);
    }),
  ]);
  clearTimeout(timer);
  redis.disconnect();
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => {
    result ??= fn();
    return result;
  };
}
