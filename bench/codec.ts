// The codec alone, in one process: CPU time to encode and decode one BenchResponse of ~100 B and
// of 16 KiB with each variant's serializers, exactly as its grpc-js MethodDefinition calls them
// (best of several rounds; a tight loop, so young-generation GC is cheap here, unlike in a server
// where written messages wait in buffers). Explains the stream gaps between variants in run.ts.
//
//   tsx bench/codec.ts
import { fileURLToPath } from "node:url";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
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
const generated: Codec = {
  label: "rpcgen codec=generated (create + encode; decode)",
  make: (payload) => ({ payload }),
  serialize: (init) => rpcgen.responseSerialize(create(BenchResponseSchema, init as { payload: string })),
  deserialize: (bytes) => rpcgen.responseDeserialize(bytes),
};
const codecs: Codec[] = [
  {
    label: "protobuf-es 2.17 (create + toBinary; fromBinary), codec=protobuf-es",
    make: (payload) => ({ payload }),
    serialize: (init) =>
      Buffer.from(toBinary(BenchResponseSchema, create(BenchResponseSchema, init as { payload: string }))),
    deserialize: (bytes) => fromBinary(BenchResponseSchema, bytes),
  },
  generated,
  // The same codec measured again: how far two rows of one codec differ here (A/A).
  { ...generated, label: "rpcgen codec=generated again (A/A)" },
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
const rows = new Map<string, number[]>();
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
  rows.set(codec.label, cells.map(Number));
}

// Ratios in this run: how many times faster the generated codec is (above 1: faster).
const ours = rows.get(generated.label) as number[];
console.log();
console.log("| generated codec against | encode 100 B | decode 100 B | encode 16 KiB | decode 16 KiB |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [label, times] of rows) {
  if (label === generated.label) continue;
  console.log(`| ${label} | ${times.map((t, i) => `${(t / (ours[i] as number)).toFixed(1)}×`).join(" | ")} |`);
}
