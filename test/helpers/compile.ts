import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  type CodeGeneratorRequest,
  CodeGeneratorRequestSchema,
  type FileDescriptorProto,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";

const buf = join(import.meta.dirname, "../../node_modules/.bin/buf");

/**
 * Compiles inline protos (path → source) with buf, the way protoc would hand them to a
 * plugin: every file with its imports (well-known types included), in dependency order,
 * with source info so comments reach the generator.
 */
export function compileProtos(files: Record<string, string>): FileDescriptorProto[] {
  const dir = mkdtempSync(join(tmpdir(), "rpcgen-proto-"));
  try {
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
    const out = join(dir, "image.binpb");
    execFileSync(buf, ["build", dir, "-o", out], { stdio: ["ignore", "ignore", "pipe"] });
    return fromBinary(FileDescriptorSetSchema, readFileSync(out)).file;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A CodeGeneratorRequest for the given inline protos, generating all of them. */
export function pluginRequest(files: Record<string, string>, parameter = ""): CodeGeneratorRequest {
  return create(CodeGeneratorRequestSchema, {
    parameter,
    fileToGenerate: Object.keys(files),
    protoFile: compileProtos(files),
  });
}
