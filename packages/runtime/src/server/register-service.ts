import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { type WriteEnd, writeMessage } from "../shared/message-writer.js";
import type { RpcMethod, RpcService } from "../shared/method-definition.js";
import { Code, RpcError, statusFromError } from "../shared/rpc-error.js";
import { type CallContext, ServerCallContext, type ServerStream } from "./call-context.js";
import { ReadableRequestStream } from "./request-stream.js";
import { type OpenCall, type ServerState, serverState } from "./server-state.js";

/** What a unary or client-streaming handler returns: the response (a message or init object), or a promise of it. */
export type UnaryResult<O extends DescMessage> = MessageInitShape<O> | Promise<MessageInitShape<O>>;

/**
 * What a server-streaming or bidi handler returns: an async iterable of responses (an
 * `async *` generator), or nothing once it has pushed them through `stream.send()`.
 */
export type StreamResult<O extends DescMessage> = AsyncIterable<MessageInitShape<O>> | Promise<void> | void;

/** The error an Unimplemented base class throws, with grpc-go's text. */
export function unimplemented(method: RpcMethod<DescMessage, DescMessage>): RpcError {
  return new RpcError(Code.UNIMPLEMENTED, `method ${method.originalName} not implemented`);
}

type Handler = (...args: never[]) => unknown;

/**
 * Mounts `impl` on `server` for the rpcs of `service`. Methods are called with `impl` as
 * `this`; a method `impl` lacks answers UNIMPLEMENTED. Every thrown or rejected error ends the
 * call with a status (grpc-js itself would leave a rejected promise unanswered).
 */
export function registerService(server: grpc.Server, service: RpcService, impl: object): void {
  const handlers: grpc.UntypedServiceImplementation = {};
  const state = serverState(server);
  for (const [key, method] of Object.entries(service)) {
    // Recorded for health and reflection; definitions built by hand may lack the descriptor.
    const desc = method.descriptor?.parent;
    if (desc !== undefined) state.services.set(desc.typeName, desc);
    const fn = (impl as Record<string, unknown>)[key];
    const call: Handler =
      typeof fn === "function"
        ? (fn.bind(impl) as Handler)
        : () => {
            throw unimplemented(method);
          };
    handlers[key] = adapt(method, call, state);
  }
  server.addService(service, handlers);
}

function adapt(method: RpcMethod<DescMessage, DescMessage>, fn: Handler, state: ServerState): grpc.UntypedHandleCall {
  if (method.requestStream)
    return method.responseStream ? bidiHandler(method, fn, state) : clientStreamHandler(method, fn, state);
  return method.responseStream ? serverStreamHandler(method, fn, state) : unaryHandler(method, fn, state);
}

type UnaryFn = (request: unknown, ctx: CallContext) => unknown;
type StreamFn = (input: unknown, stream: ServerStream<DescMessage>) => unknown;

function unaryHandler(
  method: RpcMethod<DescMessage, DescMessage>,
  fn: Handler,
  state: ServerState,
): grpc.handleUnaryCall<unknown, unknown> {
  const call = fn as unknown as UnaryFn;
  return (sc, callback) => {
    const ctx = new ServerCallContext(sc, method.path);
    respondWith(method, ctx, () => call(sc.request, ctx), tracked(state, false, callback));
  };
}

/**
 * Registers a call with a single response as open until it answers; only the first answer
 * counts, since graceful shutdown may end the call before the handler does.
 */
function tracked(
  state: ServerState,
  streaming: boolean,
  callback: grpc.sendUnaryData<unknown>,
): grpc.sendUnaryData<unknown> {
  let answered = false;
  const once: grpc.sendUnaryData<unknown> = (err, value, trailer) => {
    if (answered) return;
    answered = true;
    state.openCalls.delete(open);
    callback(err, value, trailer);
  };
  const open: OpenCall = { streaming, end: (status) => once(status) };
  state.openCalls.add(open);
  return once;
}

function clientStreamHandler(
  method: RpcMethod<DescMessage, DescMessage>,
  fn: Handler,
  state: ServerState,
): grpc.handleClientStreamingCall<unknown, unknown> {
  const call = fn as unknown as UnaryFn;
  return (sc, callback) => {
    const ctx = new ServerCallContext(sc, method.path);
    const requests = new ReadableRequestStream(sc as typeof sc & { cancelled: boolean });
    respondWith(method, ctx, () => call(requests, ctx), tracked(state, true, callback));
  };
}

function respondWith(
  method: RpcMethod<DescMessage, DescMessage>,
  ctx: ServerCallContext,
  run: () => unknown,
  callback: grpc.sendUnaryData<unknown>,
): void {
  const fail = (err: unknown) => callback(statusFromError(err, ctx.trailerIfAny));
  const succeed = (res: unknown) => {
    let message: MessageShape<DescMessage>;
    try {
      message = create(method.output, res as MessageInitShape<DescMessage>);
    } catch (err) {
      fail(err);
      return;
    }
    callback(null, message, ctx.trailerIfAny);
  };
  let result: unknown;
  try {
    result = run();
  } catch (err) {
    fail(err);
    return;
  }
  if (isThenable(result)) result.then(succeed, fail);
  else succeed(result);
}

type WritableServerCall = (grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>) & {
  cancelled: boolean;
};

function serverStreamHandler(
  method: RpcMethod<DescMessage, DescMessage>,
  fn: Handler,
  state: ServerState,
): grpc.handleServerStreamingCall<unknown, unknown> {
  const call = fn as unknown as StreamFn;
  return (sc) => streamResponses(method, sc as WritableServerCall, state, (stream) => call(sc.request, stream));
}

function bidiHandler(
  method: RpcMethod<DescMessage, DescMessage>,
  fn: Handler,
  state: ServerState,
): grpc.handleBidiStreamingCall<unknown, unknown> {
  const call = fn as unknown as StreamFn;
  return (sc) => {
    const requests = new ReadableRequestStream(sc as typeof sc & { cancelled: boolean });
    streamResponses(method, sc as WritableServerCall, state, (stream) => call(requests, stream));
  };
}

class WritableServerStream extends ServerCallContext implements ServerStream<DescMessage>, WriteEnd {
  readonly #output: DescMessage;
  readonly #sc: WritableServerCall;

  constructor(sc: WritableServerCall, method: RpcMethod<DescMessage, DescMessage>) {
    super(sc, method.path);
    this.#sc = sc;
    this.#output = method.output;
  }

  send(message: MessageInitShape<DescMessage>): Promise<void> {
    return writeMessage(this.#sc, this.#output, this, message);
  }

  /** The stream's end as its sends see it: grpc-js marks the call cancelled once it has ended. */
  outcome(): Error | undefined {
    return this.#sc.cancelled ? new RpcError(Code.CANCELLED, "call cancelled") : undefined;
  }

  whenEnded(wake: () => void): () => void {
    this.#sc.once("cancelled", wake);
    return () => this.#sc.off("cancelled", wake);
  }
}

async function streamResponses(
  method: RpcMethod<DescMessage, DescMessage>,
  sc: WritableServerCall,
  state: ServerState,
  run: (stream: WritableServerStream) => unknown,
): Promise<void> {
  const stream = new WritableServerStream(sc, method);
  // Sending a status marks the call cancelled in grpc-js, so send() rejects and the handler stops.
  const open: OpenCall = { streaming: true, end: (status) => !sc.cancelled && sc.emit("error", status) };
  state.openCalls.add(open);
  try {
    const result = run(stream);
    if (isAsyncIterable(result)) {
      // Leaving this loop early (send rejected on cancel) calls the generator's return(), so its finally runs.
      for await (const message of result) await stream.send(message as MessageInitShape<DescMessage>);
    } else {
      await result;
    }
    if (!sc.cancelled) sc.end(stream.trailerIfAny);
  } catch (err) {
    if (!sc.cancelled) sc.emit("error", statusFromError(err, stream.trailerIfAny));
  } finally {
    state.openCalls.delete(open);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value != null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
}
