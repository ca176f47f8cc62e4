import type { Readable } from "node:stream";
import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { MessageReader } from "../shared/message-reader.js";
import { type WritableCall, type WriteEnd, writeMessage } from "../shared/message-writer.js";
import { Code, errorFromStatus, RpcError } from "../shared/rpc-error.js";
import { cancelCall, isCancelled, markStarted } from "./cancel.js";

/** Response headers and trailers of a streaming call, as Go's `Header()` and `Trailer()`. */
export interface CallMetadata {
  /**
   * The response headers, once they arrive; empty if the call ended without any (a
   * trailers-only response, such as an error before the first message).
   */
  header(): Promise<grpc.Metadata>;
  /** The trailers, once the call has ended, on success and on error (never rejects). */
  trailer(): Promise<grpc.Metadata>;
}

/** The responses of a server-streaming call: iterate with `for await`, or call Go's `recv()`. */
export interface ServerStreamCall<O extends DescMessage> extends AsyncIterable<MessageShape<O>>, CallMetadata {
  /** The next response, or `undefined` when the server ended the stream with OK; rejects with RpcError. */
  recv(): Promise<MessageShape<O> | undefined>;
  /** Cancels the call; the server sees CANCELLED. Breaking out of `for await` does this too. */
  cancel(): void;
}

/** A client-streaming call driven by hand (Go's `Send` / `CloseAndRecv`). */
export interface ClientStreamCall<I extends DescMessage, O extends DescMessage> extends CallMetadata {
  /** Sends one request; resolves when the transport can take more (back-pressure). */
  send(message: MessageInitShape<I>): Promise<void>;
  /** Closes the client's side and waits for the response. */
  closeAndRecv(): Promise<MessageShape<O>>;
  cancel(): void;
}

/** A bidirectional call: Go's `Send` / `CloseSend` / `Recv`, and `for await` over responses. */
export interface BidiStreamCall<I extends DescMessage, O extends DescMessage> extends ServerStreamCall<O> {
  send(message: MessageInitShape<I>): Promise<void>;
  /** Closes the client's side; the server's request loop ends. Responses keep coming. */
  closeSend(): void;
}

/** The parts of a grpc-js client call used here; its typings do not declare every event. */
type StatusCall = NodeJS.EventEmitter & { cancel(): void };

/** Resolves with the call's final status; also keeps an unobserved error from crashing the process. */
export function finalStatus(call: StatusCall): Promise<grpc.StatusObject> {
  call.on("error", () => {});
  return new Promise((resolve) => call.once("status", resolve));
}

/** Header and trailer promises of a call, listening from the start so nothing is missed. */
export class CallMetadataImpl implements CallMetadata {
  readonly #header: Promise<grpc.Metadata>;
  readonly #trailer: Promise<grpc.Metadata>;

  constructor(call: StatusCall, status: Promise<grpc.StatusObject>) {
    this.#header = new Promise((resolve) => {
      call.once("metadata", resolve);
      status.then(() => resolve(new grpc.Metadata()));
    });
    this.#trailer = status.then((s) => s.metadata);
  }

  header(): Promise<grpc.Metadata> {
    return this.#header;
  }

  trailer(): Promise<grpc.Metadata> {
    return this.#trailer;
  }
}

/**
 * Async iteration over a grpc-js readable call. The end of the messages is not the end of
 * the call: the final status decides whether iteration ends cleanly or throws.
 */
export class ResponseIterator<O> implements AsyncIterator<O, undefined> {
  readonly #call: StatusCall;
  readonly #messages: MessageReader<O>;
  #done = false;

  constructor(call: StatusCall, status: Promise<grpc.StatusObject>) {
    this.#call = call;
    // The end of the messages (or an error event) is not the end of the call: the status says why.
    this.#messages = new MessageReader<O>(call as unknown as Readable, () =>
      status.then((s) => {
        if (s.code !== grpc.status.OK) throw errorFromStatus(s);
        return { done: true, value: undefined };
      }),
    );
    status.then(() => {
      this.#done = true;
    });
  }

  next(): Promise<IteratorResult<O, undefined>> {
    return this.#messages.next();
  }

  async return(): Promise<IteratorResult<O, undefined>> {
    if (!this.#done) cancelCall(this.#call);
    return { done: true, value: undefined };
  }
}

export class ServerStreamCallImpl<O extends DescMessage> extends CallMetadataImpl implements ServerStreamCall<O> {
  protected readonly call: StatusCall;
  protected readonly status: Promise<grpc.StatusObject>;
  readonly #iterator: ResponseIterator<MessageShape<O>>;

  constructor(call: StatusCall, status = finalStatus(call)) {
    super(call, status);
    markStarted(call);
    this.call = call;
    this.status = status;
    this.#iterator = new ResponseIterator(call, this.status);
  }

  async recv(): Promise<MessageShape<O> | undefined> {
    const r = await this.#iterator.next();
    return r.done ? undefined : r.value;
  }

  cancel(): void {
    cancelCall(this.call);
  }

  [Symbol.asyncIterator](): AsyncIterator<MessageShape<O>> {
    return this.#iterator;
  }
}

type WritableClientCall = StatusCall & WritableCall & { end(): void };

/**
 * How a client call's end looks to its sends (shared/message-writer.ts): cancelled by the
 * caller, or ended by the server's status. One reaction on the status serves every send: a
 * reaction per back-pressure wait would stay on the status promise until the call ends, so a
 * long stream would pile them up (issue 8).
 */
export class ClientWriteEnd implements WriteEnd {
  readonly #call: object;
  #ended: grpc.StatusObject | undefined;
  readonly #waiting = new Set<() => void>();

  constructor(call: object, status: Promise<grpc.StatusObject>) {
    this.#call = call;
    status.then((s) => {
      this.#ended = s;
      for (const wake of this.#waiting) wake();
      this.#waiting.clear();
    });
  }

  outcome(): Error | null | undefined {
    const ended = this.#ended;
    if (ended === undefined)
      return isCancelled(this.#call) ? new RpcError(Code.CANCELLED, "call cancelled") : undefined;
    // The server already answered; like Go's io.EOF, the message is not sent.
    return ended.code === grpc.status.OK ? null : errorFromStatus(ended);
  }

  whenEnded(wake: () => void): () => void {
    this.#waiting.add(wake);
    return () => this.#waiting.delete(wake);
  }

  /** How many sends wait for the call to drain or end (tests check that none is left behind). */
  get waiting(): number {
    return this.#waiting.size;
  }
}

export class BidiStreamCallImpl<I extends DescMessage, O extends DescMessage>
  extends ServerStreamCallImpl<O>
  implements BidiStreamCall<I, O>
{
  readonly #schema: I;
  readonly #end: ClientWriteEnd;

  constructor(call: StatusCall, schema: I) {
    super(call);
    this.#schema = schema;
    this.#end = new ClientWriteEnd(call, this.status);
  }

  send(message: MessageInitShape<I>): Promise<void> {
    return writeMessage(this.call as WritableClientCall, this.#schema, this.#end, message);
  }

  closeSend(): void {
    // After cancel() the half-close must not reach the server before the (deferred) reset does.
    if (!isCancelled(this.call)) (this.call as WritableClientCall).end();
  }
}

export class ClientStreamCallImpl<I extends DescMessage, O extends DescMessage>
  extends CallMetadataImpl
  implements ClientStreamCall<I, O>
{
  readonly #call: WritableClientCall;
  readonly #response: Promise<MessageShape<O>>;
  readonly #schema: I;
  readonly #end: ClientWriteEnd;

  constructor(call: StatusCall, response: Promise<MessageShape<O>>, schema: I, status = finalStatus(call)) {
    super(call, status);
    markStarted(call);
    this.#call = call as WritableClientCall;
    this.#end = new ClientWriteEnd(call, status);
    this.#response = response;
    // Handled here so that a caller who only sends and then cancels gets no unhandled rejection.
    response.catch(() => {});
    this.#schema = schema;
  }

  send(message: MessageInitShape<I>): Promise<void> {
    return writeMessage(this.#call, this.#schema, this.#end, message);
  }

  closeAndRecv(): Promise<MessageShape<O>> {
    // After cancel() the half-close must not reach the server before the (deferred) reset does.
    if (!isCancelled(this.#call)) this.#call.end();
    return this.#response;
  }

  cancel(): void {
    cancelCall(this.#call);
  }
}
