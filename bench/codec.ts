// The codec alone, in one process: CPU time to encode and decode one BenchResponse of ~100 B and
// of 16 KiB with each variant's serializers, exactly as its grpc-js MethodDefinition calls them
// (best of several rounds; a tight loop, so young-generation GC is cheap here, unlike in a server
// where written messages wait in buffers). Explains the stream gaps between variants in run.ts.
//
//   tsx bench/codec.ts
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import * as protoLoader from "@grpc/proto-loader";
import { BenchResponseSchema } from "./gen/rpcgen/bench_pb.js";
import { BenchServiceDefinition } from "./gen/rpcgen/bench_rpc.js";
import { BenchServiceService } from "./gen/ts-proto/bench.js";
import { LARGE, payloadOf, SMALL } from "./lib/payload.js";

interface Codec {
  label: string;
  make(payload: string): unknown;
  serialize(message: unknown): Buffer;
  deserialize(bytes: Buffer): unknown;
}

const definition = protoLoader.loadSync(fileURLToPath(new URL("proto/bench.proto", import.meta.url)), {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const loaded = (
  definition["bench.v1.BenchService"] as unknown as {
    Unary: { responseSerialize(value: unknown): Buffer; responseDeserialize(bytes: Buffer): unknown };
  }
).Unary;

const rpcgen = BenchServiceDefinition.unary;
const tsProto = BenchServiceService.unary;
const codecs: Codec[] = [
  {
    label: "rpcgen (protobuf-es, create + toBinary, bytes wrapped)",
    make: (payload) => ({ payload }),
    serialize: (init) => rpcgen.responseSerialize(create(BenchResponseSchema, init as { payload: string })),
    deserialize: (bytes) => rpcgen.responseDeserialize(bytes),
  },
  {
    label: "ts-proto (encode().finish(), copied into a Buffer)",
    make: (payload) => ({ payload, count: 0 }),
    serialize: (m) => tsProto.responseSerialize(m as Parameters<typeof tsProto.responseSerialize>[0]),
    deserialize: (bytes) => tsProto.responseDeserialize(bytes),
  },
  {
    label: "proto-loader (protobufjs fromObject + encode; decode + toObject)",
    make: (payload) => ({ payload }),
    serialize: (m) => loaded.responseSerialize(m),
    deserialize: (bytes) => loaded.responseDeserialize(bytes),
  },
];

function best(fn: () => unknown, iterations: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 7; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    min = Math.min(min, Number(process.hrtime.bigint() - start) / iterations / 1000);
  }
  return min;
}

console.log("| codec | encode 100 B (µs) | decode 100 B (µs) | encode 16 KiB (µs) | decode 16 KiB (µs) |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const codec of codecs) {
  const cells: string[] = [];
  for (const size of [SMALL, LARGE]) {
    const message = codec.make(payloadOf(size));
    const bytes = codec.serialize(message);
    const iterations = size === SMALL ? 200_000 : 10_000;
    cells.push(best(() => codec.serialize(message), iterations).toFixed(2));
    cells.push(best(() => codec.deserialize(bytes), iterations).toFixed(2));
  }
  console.log(`| ${codec.label} | ${[cells[0], cells[1], cells[2], cells[3]].join(" | ")} |`);
}
