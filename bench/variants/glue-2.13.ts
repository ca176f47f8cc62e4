// The protobuf-es glue on protobuf-es 2.13.0 (installed as `protobuf-es-2.13`), the version
// before 2.14 compiled descriptors into closures: beside `glue` in one run it shows what the
// upgrade to 2.17 changed, for the glue and so for rpcgen, which serializes the same way.
// Its schemas come from the same descriptor as the 2.17 ones, loaded by 2.13's own runtime.
import { toBinary as toBinary217 } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { fromBinary, toBinary } from "protobuf-es-2.13";
import { fileDesc, messageDesc } from "protobuf-es-2.13/codegenv2";
import { file_bench } from "../gen/rpcgen/bench_pb.js";
import { glueWith } from "./glue.js";

const file = fileDesc(Buffer.from(toBinary217(FileDescriptorProtoSchema, file_bench.proto)).toString("base64"));

export const variant = glueWith({
  encode: (schema, message) => toBinary(schema as never, message as never),
  decode: (schema, bytes) => fromBinary(schema as never, bytes),
  request: messageDesc(file, 0) as never,
  response: messageDesc(file, 1) as never,
});
