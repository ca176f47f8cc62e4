import type { Broker, MessageHandler, Subscription } from "./broker.js";

/**
 * The broker of a single process: handlers in a map. Delivery is asynchronous, as with Redis
 * (a handler never runs inside `publish`), and in publish order.
 */
export class MemoryBroker implements Broker {
  readonly kind = "memory";
  readonly #channels = new Map<string, Set<MessageHandler>>();
  readonly #claims = new Map<string, { owner: string; expiresAt: number }>();
  #closed = false;

  async publish(channel: string, message: string): Promise<number> {
    this.#checkOpen();
    const handlers = this.#channels.get(channel);
    if (handlers === undefined) return 0;
    const receivers = [...handlers];
    queueMicrotask(() => {
      // A handler removed in the meantime has unsubscribed: it gets nothing more.
      for (const handler of receivers) if (handlers.has(handler)) deliver(channel, handler, message);
    });
    return receivers.length;
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Subscription> {
    this.#checkOpen();
    let handlers = this.#channels.get(channel);
    if (handlers === undefined) {
      handlers = new Set();
      this.#channels.set(channel, handlers);
    }
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
    const entry: MessageHandler = (message) => handler(message);
    handlers.add(entry);
    const set = handlers;
    return {
      unsubscribe: async () => {
        set.delete(entry);
        if (set.size === 0 && this.#channels.get(channel) === set) this.#channels.delete(channel);
      },
    };
  }

  channels(): string[] {
    return [...this.#channels.keys()];
  }

  async claim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    this.#checkOpen();
    const held = this.#claims.get(key);
    if (held !== undefined && held.owner !== owner && held.expiresAt > Date.now()) return false;
    this.#claims.set(key, { owner, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async release(key: string, owner: string): Promise<void> {
    this.#checkOpen();
    if (this.#claims.get(key)?.owner === owner) this.#claims.delete(key);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#channels.clear();
    this.#claims.clear();
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("broker is closed");
  }
}

/** Runs a handler; one that throws is reported and does not stop delivery to the others. */
export function deliver(channel: string, handler: MessageHandler, message: string): void {
  try {
    handler(message);
  } catch (err) {
    console.error(`broker: a handler of ${channel} threw: ${(err as Error).stack ?? err}`);
  }
}
