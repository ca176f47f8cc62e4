import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { RpcMethod } from "../../shared/method-definition.js";
import { Code, RpcError } from "../../shared/rpc-error.js";
import type { RequestStream } from "../request-stream.js";
import type { ConnectCodec } from "./connect-codecs.js";
import { readMessages } from "./envelope.js";

/**
 * The requests of a Connect client-streaming or bidi call, read from the body one envelope
 * per `recv()`: the same RequestStream a gRPC handler gets. A body that breaks off (the client
 * left) rejects with CANCELLED, so a cut upload never looks complete.
 */
export class ConnectRequestStream<I extends DescMessage> implements RequestStream<I> {
  readonly #messages: AsyncGenerator<Uint8Array>;
  readonly #method: RpcMethod<I, DescMessage>;
  readonly #codec: ConnectCodec;
  readonly #dead: () => RpcError | undefined;
  readonly #received: () => void;

  constructor(
    body: AsyncIterable<Uint8Array>,
    method: RpcMethod<I, DescMessage>,
    codec: ConnectCodec,
    maxBytes: number,
    dead: () => RpcError | undefined,
    received: () => void,
  ) {
    this.#messages = readMessages(body, maxBytes);
    this.#method = method;
    this.#codec = codec;
    this.#dead = dead;
    this.#received = received;
  }

  async recv(): Promise<MessageShape<I> | undefined> {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await this.#messages.next();
    } catch (err) {
      throw this.#dead() ?? (err instanceof RpcError ? err : new RpcError(Code.CANCELLED, "call cancelled"));
    }
    const dead = this.#dead();
    if (dead !== undefined) throw dead;
    if (next.done) return undefined;
    this.#received();
    return this.#codec.parse(this.#method as RpcMethod<DescMessage, DescMessage>, next.value) as MessageShape<I>;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MessageShape<I>> {
    for (;;) {
      const message = await this.recv();
      if (message === undefined) return;
      yield message;
    }
  }
}
