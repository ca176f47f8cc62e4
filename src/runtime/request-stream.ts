import type { Readable } from "node:stream";
import { Code, RpcError } from "./rpc-error.js";

/**
 * The requests of a client-streaming or bidi call, on the server. Iterate it with
 * `for await`, or use Go's verb `recv()`; both read from the same stream, one message at a
 * time, so a slow handler slows the client down (HTTP/2 flow control) instead of buffering.
 */
export interface RequestStream<I> extends AsyncIterable<I> {
  /** The next request, or `undefined` once the client has closed its side. */
  recv(): Promise<I | undefined>;
}

export class ReadableRequestStream<I> implements RequestStream<I> {
  readonly #source: Readable & { cancelled: boolean };
  #iterator: AsyncIterator<I> | undefined;

  constructor(source: Readable & { cancelled: boolean }) {
    this.#source = source;
  }

  async recv(): Promise<I | undefined> {
    const r = await this.next();
    return r.done ? undefined : r.value;
  }

  async next(): Promise<IteratorResult<I, undefined>> {
    // Not destroyed on return: in a bidi call the same stream still carries responses.
    this.#iterator ??= this.#source.iterator({ destroyOnReturn: false });
    try {
      const r = await this.#iterator.next();
      return r.done ? { done: true, value: undefined } : r;
    } catch (err) {
      if (this.#source.cancelled) throw new RpcError(Code.CANCELLED, "call cancelled", { cause: err });
      throw RpcError.from(err);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<I> {
    return { next: () => this.next() };
  }
}
