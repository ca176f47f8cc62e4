import type { Readable } from "node:stream";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { MessageReader } from "../shared/message-reader.js";
import { RpcError } from "../shared/rpc-error.js";
import { cancelReason, deadlinePassed } from "./call-context.js";

type Source = Readable & { cancelled: boolean; getDeadline(): grpc.Deadline };

/**
 * The requests of a client-streaming or bidi call, on the server. Iterate it with
 * `for await`, or use Go's verb `recv()`; both read from the same stream, one message at a
 * time, so a slow handler slows the client down (HTTP/2 flow control) instead of buffering.
 */
export interface RequestStream<I extends DescMessage> extends AsyncIterable<MessageShape<I>> {
  /**
   * The next request, or `undefined` once the client has closed its side. Rejects with
   * CANCELLED or DEADLINE_EXCEEDED if the call dies first, so a cancelled upload never looks complete.
   */
  recv(): Promise<MessageShape<I> | undefined>;
}

export class ReadableRequestStream<I extends DescMessage> implements RequestStream<I> {
  readonly #messages: MessageReader<MessageShape<I>>;

  constructor(source: Source) {
    this.#messages = new MessageReader<MessageShape<I>>(source, (error) => {
      if (error !== undefined && !source.cancelled) throw RpcError.from(error);
      // grpc-js ends (destroys) the request stream of a call that died as if the client had closed
      // its side. Node's HTTP/2 client sends END_STREAM before RST_STREAM when it cancels, so a
      // cancel can still look like the end of the requests: check `signal.aborted` before committing.
      // A client that hits its deadline half-closes first too; a call past its deadline is dead anyway.
      if (source.cancelled || deadlinePassed(source)) throw cancelReason(source);
      return { done: true, value: undefined };
    });
  }

  async recv(): Promise<MessageShape<I> | undefined> {
    const r = await this.#messages.next();
    return r.done ? undefined : r.value;
  }

  [Symbol.asyncIterator](): AsyncIterator<MessageShape<I>> {
    // The reader has no return(): leaving a `for await` early must not end a bidi call.
    return this.#messages;
  }
}
