// The binary codecs that protoc-gen-ts-rpc generates with `codec=generated` are built from
// these; generated code imports them through generated-code.ts.
export {
  boolKey,
  checkTypeName,
  type DecodeFields,
  type EncodeFields,
  generatedCodec,
  int64Key,
  intKey,
  isNonZero64,
  isSet,
  type MessageCodec,
  protobufEsCodec,
  requiredField,
  setEntry,
  uint64Key,
  unknownEnumValue,
} from "./message-codec.js";
export { Reader } from "./reader.js";
export { Writer } from "./writer.js";
