import { Code, RpcError } from "@rpcgen/runtime";

/**
 * Messages waiting for one slow stream: the broker pushes without waiting, the stream's
 * loop takes them one at a time (and waits for gRPC flow control between them). Bounded, so
 * a client that stops reading cannot make the server buffer without end: past `limit`
 * waiting messages the queue fails with RESOURCE_EXHAUSTED.
 */
export class MessageQueue<T> {
  readonly #items: T[] = [];
  readonly #limit: number;
  #closed = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Adds an item; false if the queue was closed (or is now, because it overflowed). */
  push(item: T): boolean {
    if (this.#closed) return false;
    if (this.#items.length >= this.#limit) {
      this.close(new RpcError(Code.RESOURCE_EXHAUSTED, `too slow: ${this.#limit} messages waiting to be sent`));
      return false;
    }
    this.#items.push(item);
    this.#notify();
    return true;
  }

  /** Ends the queue: `next()` drains nothing more and then throws `error`, or returns undefined without one. */
  close(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    this.#items.length = 0;
    this.#notify();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The next item, waiting for one; undefined once closed without an error. */
  async next(): Promise<T | undefined> {
    for (;;) {
      if (this.#closed) {
        if (this.#error !== undefined) throw this.#error;
        return undefined;
      }
      if (this.#items.length > 0) return this.#items.shift();
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
