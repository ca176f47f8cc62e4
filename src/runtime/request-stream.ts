import type { Readable } from "node:stream";
import type * as grpc from "@grpc/grpc-js";
import { cancelReason, deadlinePassed } from "./call-context.js";
import { RpcError } from "./rpc-error.js";

type Source = Readable & { cancelled: boolean; getDeadline(): grpc.Deadline };

/**
 * The requests of a client-streaming or bidi call, on the server. Iterate it with
 * `for await`, or use Go's verb `recv()`; both read from the same stream, one message at a
 * time, so a slow handler slows the client down (HTTP/2 flow control) instead of buffering.
 */
export interface RequestStream<I> extends AsyncIterable<I> {
  /**
   * The next request, or `undefined` once the client has closed its side. Rejects with
   * CANCELLED or DEADLINE_EXCEEDED if the call dies first, so a cancelled upload never looks complete.
   */
  recv(): Promise<I | undefined>;
}

export class ReadableRequestStream<I> implements RequestStream<I> {
  readonly #source: Source;
  #iterator: AsyncIterator<I> | undefined;

  constructor(source: Source) {
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
      if (!r.done) return r;
    } catch (err) {
      if (!this.#source.cancelled) throw RpcError.from(err);
    }
    // grpc-js ends (destroys) the request stream of a call that died as if the client had closed
    // its side. Node's HTTP/2 client sends END_STREAM before RST_STREAM when it cancels, so a
    // cancel can still look like the end of the requests: check `signal.aborted` before committing.
    // A client that hits its deadline half-closes first too; a call past its deadline is dead anyway.
    if (this.#source.cancelled || deadlinePassed(this.#source)) throw cancelReason(this.#source);
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): AsyncIterator<I> {
    return { next: () => this.next() };
  }
}
