// The glue (hand-written grpc-js, callbacks and 'data' events) with rpcgen's generated codec as
// its serializers: beside `glue` and `rpcgen` it tells the codec's share of a gap from the runtime's.
import { BenchRequestSchema, BenchResponseSchema } from "../gen/rpcgen/bench_pb.js";
import { BenchServiceDefinition } from "../gen/rpcgen/bench_rpc.js";
import { glueWith } from "./glue.js";

const rpc = BenchServiceDefinition.unary;
export const variant = glueWith({
  encode: (schema, message) =>
    schema === BenchRequestSchema ? rpc.requestSerialize(message as never) : rpc.responseSerialize(message as never),
  decode: (schema, bytes) =>
    schema === BenchRequestSchema ? rpc.requestDeserialize(bytes as Buffer) : rpc.responseDeserialize(bytes as Buffer),
  request: BenchRequestSchema,
  response: BenchResponseSchema,
});
