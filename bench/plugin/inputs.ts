// Input sets for the plugin benchmark: Google Cloud's protos from the npm package
// google-proto-files, compiled once per set with buf into the CodeGeneratorRequest that
// protoc or buf would hand a plugin.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { create, fromBinary } from "@bufbuild/protobuf";
import { type CodeGeneratorRequest, CodeGeneratorRequestSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

const root = join(import.meta.dirname, "../..");
const buf = join(root, "node_modules/.bin/buf");

/** Where google-proto-files is installed, and its version (part of the cache key). */
export function protoRoot(): { dir: string; version: string } {
  const pkg = createRequire(join(root, "package.json")).resolve("google-proto-files/package.json");
  const { version } = JSON.parse(readFileSync(pkg, "utf8")) as { version: string };
  return { dir: dirname(pkg), version };
}

export interface InputSet {
  name: string;
  /** Proto paths relative to the package root (`google/cloud/...`): the files to generate. */
  files: string[];
}

/**
 * The sets the issue names. "cloud N" is the first N files of google/cloud in byte order
 * (cloud 1000 includes compute.proto); the whole tree is every proto under google/ except
 * google/protobuf, which ships protobuf's own test protos that do not compile.
 */
export function inputSets(quick: boolean): InputSet[] {
  const all = googleProtos();
  const cloud = all.filter((p) => p.startsWith("google/cloud/"));
  const compute: InputSet = { name: "compute.proto", files: ["google/cloud/compute/v1/compute.proto"] };
  const first = (n: number): InputSet => ({ name: `cloud ${n}`, files: cloud.slice(0, n) });
  if (quick) return [first(100), first(300), compute];
  return [first(100), first(300), first(1000), compute, { name: "whole tree", files: all }];
}

/** Every proto under google/ but google/protobuf, in byte order of the path. */
export function googleProtos(): string[] {
  return listProtos(protoRoot().dir, "google").filter((p) => !p.startsWith("google/protobuf/"));
}

function listProtos(base: string, sub: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".proto")) out.push(relative(base, p).split("\\").join("/"));
    }
  };
  walk(join(base, sub));
  // Byte order, not locale order, so every machine picks the same files.
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The CodeGeneratorRequest for a set: the files to generate plus everything they import, in
 * dependency order, with source info (comments), as buf hands it to a plugin. No
 * source_file_descriptors: protoc 3.21 does not send them either. buf images are cached in
 * the temp dir, keyed by the file list and the versions, because the whole tree takes
 * ~35 s to compile.
 */
export function buildRequest(set: InputSet, parameter: string): CodeGeneratorRequest {
  const { dir, version } = protoRoot();
  const key = createHash("sha256")
    .update(`${version}\n${execFileSync(buf, ["--version"]).toString()}\n${set.files.join("\n")}`)
    .digest("hex")
    .slice(0, 16);
  const cacheDir = join(tmpdir(), "rpcgen-bench-plugin");
  const image = join(cacheDir, `${key}.binpb`);
  if (!existsSync(image)) {
    mkdirSync(cacheDir, { recursive: true });
    const paths = set.files.flatMap((f) => ["--path", join(dir, f)]);
    execFileSync(buf, ["build", dir, ...paths, "-o", `${image}.tmp`], {
      stdio: ["ignore", "ignore", "inherit"],
      maxBuffer: 64 << 20,
    });
    renameSync(`${image}.tmp`, image);
  }
  // Images add buf's own extension to every file; dropping unknown fields leaves plain
  // FileDescriptorProtos.
  const fds = fromBinary(FileDescriptorSetSchema, readFileSync(image), { readUnknownFields: false });
  return create(CodeGeneratorRequestSchema, { parameter, fileToGenerate: set.files, protoFile: fds.file });
}

/** How many rpcs the files to generate declare. */
export function countRpcs(request: CodeGeneratorRequest): number {
  const targets = new Set(request.fileToGenerate);
  let n = 0;
  for (const f of request.protoFile) {
    if (targets.has(f.name)) for (const s of f.service) n += s.method.length;
  }
  return n;
}
