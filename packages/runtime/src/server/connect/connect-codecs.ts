import {
  createRegistry,
  type DescFile,
  type DescMessage,
  fromJson,
  type JsonValue,
  type MessageShape,
  type Registry,
  toJsonString,
} from "@bufbuild/protobuf";
import type { RpcMethod } from "../../shared/method-definition.js";
import { Code, RpcError } from "../../shared/rpc-error.js";

/** How one call's messages are written on the wire: Connect's `json` or `proto` encoding. */
export interface ConnectCodec {
  readonly name: "json" | "proto";
  /** A request of `method`. */
  parse(method: Rpc, bytes: Uint8Array): MessageShape<DescMessage>;
  /** A response of `method`. */
  serialize(method: Rpc, message: MessageShape<DescMessage>): Uint8Array;
}

type Rpc = RpcMethod<DescMessage, DescMessage>;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The two codecs of a server. JSON is protobuf-es's canonical mapping; `registry` holds every
 * message type of the registered services' files and their imports, for `google.protobuf.Any`.
 * Malformed input of either kind is INVALID_ARGUMENT with the parser's reason.
 */
export function connectCodecs(
  registry: Registry,
  allowUnknownJsonFields: boolean,
): { json: ConnectCodec; proto: ConnectCodec } {
  const json: ConnectCodec = {
    name: "json",
    parse({ input: schema }, bytes) {
      let value: JsonValue;
      try {
        value = JSON.parse(utf8.decode(bytes)) as JsonValue;
      } catch (err) {
        throw invalid(`cannot decode JSON request: ${reason(err)}`, err);
      }
      try {
        return fromJson(schema, value, { registry, ignoreUnknownFields: allowUnknownJsonFields });
      } catch (err) {
        throw invalid(`cannot decode ${schema.typeName} from JSON: ${reason(err)}`, err);
      }
    },
    serialize({ output }, message) {
      return Buffer.from(toJsonString(output, message, { registry }));
    },
  };
  // Binary goes through the method's own serializers, the ones gRPC calls use (the generated
  // codec when the plugin printed one), so both protocols read and write the same bytes.
  const proto: ConnectCodec = {
    name: "proto",
    parse(method, bytes) {
      try {
        return method.requestDeserialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      } catch (err) {
        throw invalid(`cannot decode ${method.input.typeName}: ${reason(err)}`, err);
      }
    },
    serialize(method, message) {
      return method.responseSerialize(message);
    },
  };
  return { json, proto };
}

/** A registry of every type in `files` and the files they import, however deep. */
export function registryOf(files: Iterable<DescFile>): Registry {
  const seen = new Set<DescFile>();
  const visit = (file: DescFile) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const dep of file.dependencies) visit(dep);
  };
  for (const file of files) visit(file);
  return createRegistry(...seen);
}

function invalid(message: string, cause: unknown): RpcError {
  return new RpcError(Code.INVALID_ARGUMENT, message, { cause });
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
