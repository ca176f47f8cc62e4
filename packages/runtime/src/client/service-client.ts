import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import type { RpcMethod } from "../shared/method-definition.js";
import { RpcError } from "../shared/rpc-error.js";
import { type CallOptions, observeCall, requestMetadata, toGrpcCallOptions } from "./call-options.js";
import {
  type BidiStreamCall,
  BidiStreamCallImpl,
  type ClientStreamCall,
  ClientStreamCallImpl,
  type ServerStreamCall,
  ServerStreamCallImpl,
} from "./stream-calls.js";

/** Requests for a streaming call: any iterable or async iterable of messages or init objects. */
export type StreamInput<I extends DescMessage> = Iterable<MessageInitShape<I>> | AsyncIterable<MessageInitShape<I>>;

/**
 * Base of every generated client. Its own members all start with `$`, a character no rpc
 * name can contain, so an rpc named `Close` or `WaitForReady` never collides with them; and it
 * has no `then`, so a client is never mistaken for a promise.
 */
export class ServiceClient {
  /** The grpc-js client (and through it the channel) this client calls on. */
  readonly $client: grpc.Client;

  /** Dials `target` (e.g. `localhost:50051`, `dns:///host:port`) with `credentials`. */
  constructor(target: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions);
  /** Shares an existing grpc-js client or channel: many service clients, one connection. */
  constructor(clientOrChannel: grpc.Client | grpc.Channel);
  constructor(
    target: string | grpc.Client | grpc.Channel,
    credentials?: grpc.ChannelCredentials,
    options?: grpc.ClientOptions,
  ) {
    if (typeof target === "string") {
      if (credentials === undefined)
        throw new TypeError("credentials are required, e.g. grpc.credentials.createInsecure()");
      this.$client = new grpc.Client(target, credentials, options);
    } else if (typeof (target as grpc.Client).getChannel === "function") {
      this.$client = target as grpc.Client;
    } else {
      this.$client = new grpc.Client("", grpc.credentials.createInsecure(), {
        channelOverride: target as grpc.Channel,
      });
    }
  }

  /** Closes the underlying channel (shared with every client built on it). */
  $close(): void {
    this.$client.close();
  }

  /** Resolves once the channel is connected, rejects after `deadline`. */
  $waitForReady(deadline: Date | number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.$client.waitForReady(deadline, (err) => (err ? reject(err) : resolve())),
    );
  }

  protected $unary<I extends DescMessage, O extends DescMessage>(
    method: RpcMethod<I, O>,
    request: MessageInitShape<I>,
    options: CallOptions | undefined,
  ): Promise<MessageShape<O>> {
    return new Promise((resolve, reject) => {
      const call = this.$client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        create(method.input, request),
        requestMetadata(options),
        toGrpcCallOptions(options),
        (err, res) => (err ? reject(RpcError.from(err)) : resolve(res as MessageShape<O>)),
      );
      observeCall(call, options);
    });
  }

  protected $serverStream<I extends DescMessage, O extends DescMessage>(
    method: RpcMethod<I, O>,
    request: MessageInitShape<I>,
    options: CallOptions | undefined,
  ): ServerStreamCall<MessageShape<O>> {
    const call = this.$client.makeServerStreamRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      create(method.input, request),
      requestMetadata(options),
      toGrpcCallOptions(options),
    );
    const handle = new ServerStreamCallImpl<MessageShape<O>>(call);
    observeCall(call, options);
    return handle;
  }

  protected $clientStream<I extends DescMessage, O extends DescMessage>(
    method: RpcMethod<I, O>,
    requestsOrOptions: StreamInput<I> | CallOptions | undefined,
    maybeOptions: CallOptions | undefined,
  ): ClientStreamCall<I, MessageShape<O>> | Promise<MessageShape<O>> {
    const [requests, options] = splitArgs(requestsOrOptions, maybeOptions);
    let call!: grpc.ClientWritableStream<MessageShape<I>>;
    const response = new Promise<MessageShape<O>>((resolve, reject) => {
      call = this.$client.makeClientStreamRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        requestMetadata(options),
        toGrpcCallOptions(options),
        (err, res) => (err ? reject(RpcError.from(err)) : resolve(res as MessageShape<O>)),
      );
    });
    const handle = new ClientStreamCallImpl<I, MessageShape<O>>(call, response, method.input);
    observeCall(call, options);
    if (requests === undefined) return handle;
    return pump(requests, handle, () => handle.cancel()).then(() => handle.closeAndRecv());
  }

  protected $bidiStream<I extends DescMessage, O extends DescMessage>(
    method: RpcMethod<I, O>,
    requestsOrOptions: StreamInput<I> | CallOptions | undefined,
    maybeOptions: CallOptions | undefined,
  ): BidiStreamCall<I, MessageShape<O>> {
    const [requests, options] = splitArgs(requestsOrOptions, maybeOptions);
    const call = this.$client.makeBidiStreamRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      requestMetadata(options),
      toGrpcCallOptions(options),
    );
    const handle = new BidiStreamCallImpl<I, MessageShape<O>>(call, method.input);
    observeCall(call, options);
    if (requests !== undefined) {
      // Runs beside the caller's loop over responses; a failing request source cancels the call.
      pump(requests, handle, () => handle.cancel()).then(
        () => handle.closeSend(),
        () => {},
      );
    }
    return handle;
  }
}

function splitArgs<I extends DescMessage>(
  first: StreamInput<I> | CallOptions | undefined,
  second: CallOptions | undefined,
): [StreamInput<I> | undefined, CallOptions | undefined] {
  if (first !== undefined && (Symbol.iterator in first || Symbol.asyncIterator in first)) {
    return [first as StreamInput<I>, second];
  }
  return [undefined, first as CallOptions | undefined];
}

async function pump<I extends DescMessage>(
  requests: StreamInput<I>,
  sink: { send(m: MessageInitShape<I>): Promise<void> },
  onSourceError: () => void,
): Promise<void> {
  try {
    for await (const message of requests) await sink.send(message);
  } catch (err) {
    if (!(err instanceof RpcError)) onSourceError();
    throw err;
  }
}
