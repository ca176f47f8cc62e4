import type { Readable } from "node:stream";
import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { cancelCall, isCancelled, markStarted } from "./call-options.js";
import { MessageReader } from "./message-reader.js";
import { Code, errorFromStatus, RpcError } from "./rpc-error.js";

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
export interface ServerStreamCall<O> extends AsyncIterable<O>, CallMetadata {
  /** The next response, or `undefined` when the server ended the stream with OK; rejects with RpcError. */
  recv(): Promise<O | undefined>;
  /** Cancels the call; the server sees CANCELLED. Breaking out of `for await` does this too. */
  cancel(): void;
}

/** A client-streaming call driven by hand (Go's `Send` / `CloseAndRecv`). */
export interface ClientStreamCall<I extends DescMessage, O> extends CallMetadata {
  /** Sends one request; resolves when the transport can take more (back-pressure). */
  send(message: MessageInitShape<I>): Promise<void>;
  /** Closes the client's side and waits for the response. */
  closeAndRecv(): Promise<O>;
  cancel(): void;
}

/** A bidirectional call: Go's `Send` / `CloseSend` / `Recv`, and `for await` over responses. */
export interface BidiStreamCall<I extends DescMessage, O> extends ServerStreamCall<O> {
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

export class ServerStreamCallImpl<O> extends CallMetadataImpl implements ServerStreamCall<O> {
  protected readonly call: StatusCall;
  protected readonly status: Promise<grpc.StatusObject>;
  readonly #iterator: ResponseIterator<O>;

  constructor(call: StatusCall, status = finalStatus(call)) {
    super(call, status);
    markStarted(call);
    this.call = call;
    this.status = status;
    this.#iterator = new ResponseIterator(call, this.status);
  }

  async recv(): Promise<O | undefined> {
    const r = await this.#iterator.next();
    return r.done ? undefined : r.value;
  }

  cancel(): void {
    cancelCall(this.call);
  }

  [Symbol.asyncIterator](): AsyncIterator<O> {
    return this.#iterator;
  }
}

type WritableCall = StatusCall & { write(message: unknown): boolean; end(): void };

/** What `send()` knows about the end of its call. */
export interface WriteState {
  ended: grpc.StatusObject | undefined;
  /** Sends waiting for 'drain', woken when the call ends instead (no 'drain' comes then). */
  readonly waiting: Set<() => void>;
}

/**
 * One reaction on the call's status for all its sends: a reaction per back-pressure wait would
 * stay on the status promise until the call ends, so a long stream would pile them up (issue 8).
 */
export function writeState(status: Promise<grpc.StatusObject>): WriteState {
  const state: WriteState = { ended: undefined, waiting: new Set() };
  status.then((s) => {
    state.ended = s;
    for (const wake of state.waiting) wake();
    state.waiting.clear();
  });
  return state;
}

const SENT: Promise<void> = Promise.resolve();

/** Writes with back-pressure; rejects with the call's error once the call has failed. */
export function writeMessage<I extends DescMessage>(
  call: WritableCall,
  schema: I,
  state: WriteState,
  init: MessageInitShape<I>,
): Promise<void> {
  // The common case, a live call with room to write, allocates nothing beyond the message.
  if (state.ended === undefined && !isCancelled(call)) {
    let message: MessageShape<I>;
    try {
      message = create(schema, init);
    } catch (err) {
      return Promise.reject(err);
    }
    return call.write(message) ? SENT : drainOrEnd(call, state);
  }
  if (state.ended === undefined) return Promise.reject(new RpcError(Code.CANCELLED, "call cancelled"));
  // The server already answered; like Go's io.EOF, the message is not sent.
  return state.ended.code === grpc.status.OK ? SENT : Promise.reject(errorFromStatus(state.ended));
}

/** Waits for 'drain'; rejects if the call fails first (a dead call never drains). */
async function drainOrEnd(call: WritableCall, state: WriteState): Promise<void> {
  const ended = await new Promise<boolean>((resolve) => {
    const drained = () => {
      state.waiting.delete(end);
      resolve(false);
    };
    const end = () => {
      call.off("drain", drained);
      resolve(true);
    };
    call.once("drain", drained);
    state.waiting.add(end);
  });
  const final = state.ended as grpc.StatusObject | undefined;
  if (ended && final && final.code !== grpc.status.OK) throw errorFromStatus(final);
}

export class BidiStreamCallImpl<I extends DescMessage, O>
  extends ServerStreamCallImpl<O>
  implements BidiStreamCall<I, O>
{
  readonly #schema: I;
  readonly #state: WriteState;

  constructor(call: StatusCall, schema: I) {
    super(call);
    this.#schema = schema;
    this.#state = writeState(this.status);
  }

  send(message: MessageInitShape<I>): Promise<void> {
    return writeMessage(this.call as WritableCall, this.#schema, this.#state, message);
  }

  closeSend(): void {
    // After cancel() the half-close must not reach the server before the (deferred) reset does.
    if (!isCancelled(this.call)) (this.call as WritableCall).end();
  }
}

export class ClientStreamCallImpl<I extends DescMessage, O> extends CallMetadataImpl implements ClientStreamCall<I, O> {
  readonly #call: WritableCall;
  readonly #response: Promise<O>;
  readonly #schema: I;
  readonly #state: WriteState;

  constructor(call: StatusCall, response: Promise<O>, schema: I, status = finalStatus(call)) {
    super(call, status);
    markStarted(call);
    this.#call = call as WritableCall;
    this.#state = writeState(status);
    this.#response = response;
    // Handled here so that a caller who only sends and then cancels gets no unhandled rejection.
    response.catch(() => {});
    this.#schema = schema;
  }

  send(message: MessageInitShape<I>): Promise<void> {
    return writeMessage(this.#call, this.#schema, this.#state, message);
  }

  closeAndRecv(): Promise<O> {
    // After cancel() the half-close must not reach the server before the (deferred) reset does.
    if (!isCancelled(this.#call)) this.#call.end();
    return this.#response;
  }

  cancel(): void {
    cancelCall(this.#call);
  }
}
