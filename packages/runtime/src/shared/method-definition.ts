import { type DescMessage, type DescMethod, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";

/**
 * A grpc-js `MethodDefinition` that also carries the protobuf-es schemas and the proto
 * name of the rpc. It is assignable to `grpc.MethodDefinition`, so a service definition made
 * of these works with `grpc.Server#addService` and `makeGenericClientConstructor` as is.
 */
export interface RpcMethod<I extends DescMessage, O extends DescMessage>
  extends grpc.MethodDefinition<MessageShape<I>, MessageShape<O>> {
  /** The rpc's name in the proto, e.g. `SayHello`. */
  readonly originalName: string;
  readonly input: I;
  readonly output: O;
  /** The protobuf-es descriptor of the rpc; through `parent` and `parent.file`, its service and file. */
  readonly descriptor: DescMethod;
}

/** Builds the grpc-js definition of one rpc from its protobuf-es descriptor. */
export function methodDefinition<I extends DescMessage, O extends DescMessage>(
  method: DescMethod & { input: I; output: O },
): RpcMethod<I, O> {
  const { input, output } = method;
  return {
    path: `/${method.parent.typeName}/${method.name}`,
    originalName: method.name,
    requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
    responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
    requestSerialize: (message) => asBuffer(toBinary(input, message)),
    requestDeserialize: (bytes) => fromBinary(input, bytes),
    responseSerialize: (message) => asBuffer(toBinary(output, message)),
    responseDeserialize: (bytes) => fromBinary(output, bytes),
    input,
    output,
    descriptor: method,
  };
}

// grpc-js calls Buffer methods on serialized messages; wrap the bytes instead of copying them.
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A service's grpc-js definition: one RpcMethod per rpc, keyed by the generated method name. */
export type RpcService = { readonly [key: string]: RpcMethod<DescMessage, DescMessage> };
