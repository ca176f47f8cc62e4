// The generated binary codecs (codec=generated) against protobuf-es's toBinary/fromBinary, by
// difference: random messages from a fixed seed over a corpus of the repo's protos (the interop
// and editions fixtures included), test/fixtures/codec (every field kind and feature), and a few
// hundred Google Cloud API protos. The corpus is generated here, into a temp dir, with
// protoc-gen-es and this plugin, and its service definitions are imported as users import them.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { inspect, isDeepStrictEqual } from "node:util";
import {
  create,
  type DescExtension,
  type DescMessage,
  equals,
  fromBinary,
  getExtension,
  isMessage,
  type Message,
  setExtension,
  toBinary,
} from "@bufbuild/protobuf";
import {
  type CodeGeneratorRequest,
  CodeGeneratorRequestSchema,
  CodeGeneratorResponseSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import type { RpcMethod } from "@rpcgen/runtime";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runPlugin } from "../../src/plugin/main.js";
import { buildRequest, googleProtos } from "../fixtures/plugin-speed/inputs.js";
import { RandomMessages, seededRandom } from "../helpers/random-message.js";

const root = join(import.meta.dirname, "../..");
const buf = join(root, "node_modules/.bin/buf");
const protocGenEs = join(root, "node_modules/.bin/protoc-gen-es");
const OPTIONS = "target=ts,import_extension=js";

/** How many random messages the corpus is checked with, over all its request and response types. */
const MESSAGES = Number(process.env.CODEC_MESSAGES ?? 100_000);
/** How many Google Cloud protos (the first in byte order of the path under google/cloud/). */
const CLOUD_FILES = Number(process.env.CODEC_CLOUD ?? 300);
const SEED = 20261202;

interface Codec {
  desc: DescMessage;
  serialize(message: unknown): Buffer;
  deserialize(bytes: Buffer): unknown;
  /** Where it was found: file and rpc. */
  where: string;
}

let work: string;
const codecs: Codec[] = [];
const corpus = {
  sets: [] as string[],
  files: 0,
  types: new Set<string>(),
  reachable: 0,
  fallbacks: 0,
  /** The type names the generated files say fall back to protobuf-es. */
  fallingBack: new Set<string>(),
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "rpcgen-codec-"));
  // Generated code imports @bufbuild/protobuf and @rpcgen/runtime as users' code does.
  symlinkSync(join(root, "node_modules"), join(work, "node_modules"), "dir");
  writeFileSync(join(work, "package.json"), '{"type":"module"}');
  const sets: [string, CodeGeneratorRequest][] = [
    ["repo", dirRequest(join(root, "proto"))],
    ["features", dirRequest(join(root, "test/fixtures/codec"))],
    ["cloud", cloudRequest()],
  ];
  for (const [name, request] of sets) {
    const rpcFiles = generate(name, request);
    corpus.sets.push(`${name}: ${request.fileToGenerate.length} files`);
    corpus.files += request.fileToGenerate.length;
    for (const file of rpcFiles) await collect(join(work, name, file), file);
  }
}, 240_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** A request generating every proto under `dir` (the well-known types it imports are not generated). */
function dirRequest(dir: string): CodeGeneratorRequest {
  const image = join(work, `${dir.replace(/[^a-z0-9]+/gi, "_")}.binpb`);
  execFileSync(buf, ["build", dir, "-o", image], { stdio: ["ignore", "ignore", "inherit"] });
  const fds = fromBinary(FileDescriptorSetSchema, readFileSync(image), { readUnknownFields: false });
  return create(CodeGeneratorRequestSchema, {
    fileToGenerate: fds.file.map((f) => f.name).filter((n) => !n.startsWith("google/protobuf/")),
    protoFile: fds.file,
  });
}

function cloudRequest(): CodeGeneratorRequest {
  const files = googleProtos()
    .filter((p) => p.startsWith("google/cloud/"))
    .slice(0, CLOUD_FILES);
  const request = buildRequest({ name: `cloud ${CLOUD_FILES}`, files }, "");
  // Their imports too (google/api, google/longrunning, ...): generated code imports their _pb files.
  request.fileToGenerate = request.protoFile.map((f) => f.name).filter((n) => !n.startsWith("google/protobuf/"));
  return request;
}

/** Runs protoc-gen-es and protoc-gen-ts-rpc (codec=generated) on `request`; returns the `_rpc.ts` paths. */
function generate(name: string, request: CodeGeneratorRequest): string[] {
  const out = join(work, name);
  const es = execFileSync(protocGenEs, [], {
    input: toBinary(CodeGeneratorRequestSchema, { ...request, parameter: OPTIONS }),
    maxBuffer: 1 << 30,
  });
  const rpc = runPlugin(create(CodeGeneratorRequestSchema, { ...request, parameter: `${OPTIONS},codec=generated` }));
  expect(rpc.error).toBe("");
  const files = [...fromBinary(CodeGeneratorResponseSchema, es).file, ...rpc.file];
  for (const file of files) {
    mkdirSync(dirname(join(out, file.name)), { recursive: true });
    writeFileSync(join(out, file.name), file.content);
  }
  for (const file of rpc.file) {
    corpus.reachable += (file.content.match(/^function decode\$/gm) ?? []).length;
    for (const [, typeName] of file.content.matchAll(/^\/\/ (\S+) falls back to protobuf-es/gm)) {
      corpus.fallbacks++;
      corpus.fallingBack.add(typeName as string);
    }
  }
  return rpc.file.map((f) => f.name);
}

async function collect(path: string, file: string): Promise<void> {
  const module = (await import(path)) as Record<string, unknown>;
  for (const [exportName, value] of Object.entries(module)) {
    if (!exportName.endsWith("Definition") || typeof value !== "object" || value === null) continue;
    for (const [key, method] of Object.entries(value as Record<string, RpcMethod<DescMessage, DescMessage>>)) {
      for (const [desc, serialize, deserialize] of [
        [method.input, method.requestSerialize, method.requestDeserialize],
        [method.output, method.responseSerialize, method.responseDeserialize],
      ] as const) {
        if (corpus.types.has(desc.typeName)) continue;
        corpus.types.add(desc.typeName);
        codecs.push({
          desc,
          serialize: serialize as (m: unknown) => Buffer,
          deserialize: deserialize as (b: Buffer) => unknown,
          where: `${file} ${exportName}.${key}`,
        });
      }
    }
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

function outcome(fn: () => unknown): Outcome {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.constructor.name : typeof err };
  }
}

/** Both encoders throw, or both write the same bytes. */
function expectSameEncoding(codec: Codec, message: Message): Uint8Array | undefined {
  const theirs = outcome(() => toBinary(codec.desc, message));
  const ours = outcome(() => codec.serialize(message));
  if (!theirs.ok || !ours.ok) {
    expect(ours.ok, `${codec.where}: encode ${ours.ok ? "succeeded" : "threw"}, toBinary did not`).toBe(theirs.ok);
    return undefined;
  }
  const a = Buffer.from(ours.value as Uint8Array);
  const b = Buffer.from(theirs.value as Uint8Array);
  if (!a.equals(b)) {
    expect.fail(`${codec.where}: ${codec.desc.typeName}: encode ${a.toString("hex")} != toBinary ${b.toString("hex")}`);
  }
  return theirs.value as Uint8Array;
}

/** Decoding `bytes` gives what fromBinary gives: the same message (deeply, prototypes and unknown fields included) or the same class of error. */
function expectSameDecoding(codec: Codec, bytes: Uint8Array): Outcome {
  const theirs = outcome(() => fromBinary(codec.desc, bytes));
  const ours = outcome(() => codec.deserialize(bytes as Buffer));
  if (theirs.ok && ours.ok) {
    if (!isDeepStrictEqual(ours.value, theirs.value)) {
      expect.fail(`${codec.where}: ${codec.desc.typeName}: decode of ${Buffer.from(bytes).toString("hex")} differs`);
    }
  } else if (ours.ok !== theirs.ok || (!ours.ok && !theirs.ok && ours.error !== theirs.error)) {
    expect.fail(
      `${codec.where}: ${codec.desc.typeName}: ${Buffer.from(bytes).toString("hex")}: decode ${
        ours.ok ? "succeeded" : `threw ${ours.error}`
      }, fromBinary ${theirs.ok ? "succeeded" : `threw ${theirs.error}`}`,
    );
  }
  return ours;
}

describe("generated codecs against protobuf-es", () => {
  test("the corpus", () => {
    console.log(
      `codec corpus: ${corpus.sets.join(", ")}; ${corpus.files} files, ${codecs.length} request/response types, ` +
        `${corpus.reachable} specialised codecs printed, ${corpus.fallbacks} falling back`,
    );
    expect(corpus.files).toBeGreaterThan(CLOUD_FILES);
    expect(codecs.length).toBeGreaterThan(500);
    // What test/fixtures/codec says falls back does, and what it specialises does not.
    for (const typeName of ["codec.p3.WithStruct", "codec.p2.WithGroup", "codec.ed.Delimited"]) {
      expect(corpus.fallingBack, typeName).toContain(typeName);
    }
    for (const typeName of ["codec.p3.Maps", "codec.p3.WellKnown", "codec.p2.Legacy", "codec.ed.Features"]) {
      expect(corpus.fallingBack, typeName).not.toContain(typeName);
    }
  });

  test("nesting: 100 messages deep decode, 101 fail with the same error as fromBinary", () => {
    const codec = codecs.find((c) => c.desc.typeName === "codec.p3.Tree") as Codec;
    // Tree.left (field 2) inside Tree.left ...: the innermost message is empty.
    const nested = (depth: number): Uint8Array => {
      let bytes = new Uint8Array(0);
      for (let i = 1; i < depth; i++) bytes = new Uint8Array([0x12, ...varint(bytes.length), ...bytes]);
      return bytes;
    };
    expect(expectSameDecoding(codec, nested(100)).ok).toBe(true);
    const deep = expectSameDecoding(codec, nested(101));
    expect(deep.ok).toBe(false);
    // And through groups nested deeper than the limit in an unknown field (7).
    const groups = new Uint8Array([...Array(120).fill(0x3b), ...Array(120).fill(0x3c)]);
    expect(expectSameDecoding(codec, groups).ok).toBe(false);
  });

  test("extensions, which protobuf-es keeps with the unknown fields, are written and read back", async () => {
    const pb = (await import(join(work, "features/codec/legacy2_pb.ts"))) as Record<string, unknown>;
    const schema = pb.LegacySchema as DescMessage;
    const note = pb.note as DescExtension;
    const marks = pb.marks as DescExtension;
    const codec = codecs.find((c) => c.desc.typeName === "codec.p2.Legacy") as Codec;
    const message = create(schema, { id: 1 });
    setExtension(message, note, "a note");
    setExtension(message, marks, [3, -1, 7]);
    const bytes = expectSameEncoding(codec, message) as Uint8Array;
    const decoded = codec.deserialize(Buffer.from(bytes)) as Message;
    expect(getExtension(decoded, note)).toBe("a note");
    expect(getExtension(decoded, marks)).toEqual([3, -1, 7]);
    expectSameDecoding(codec, bytes);
  });

  test(`${MESSAGES} random messages: same bytes, decode equals, same decode of damaged bytes`, {
    timeout: 300_000,
  }, () => {
    const rnd = seededRandom(SEED);
    const random = new RandomMessages(rnd);
    let checked = 0;
    let damaged = 0;
    for (let i = 0; i < MESSAGES; i++) {
      const codec = codecs[i % codecs.length] as Codec;
      const message = random.message(codec.desc);
      const bytes = expectSameEncoding(codec, message);
      checked++;
      if (bytes === undefined) continue;
      // A Buffer as grpc-js passes it, or a plain Uint8Array.
      const input = i % 2 === 0 ? Buffer.from(bytes) : bytes;
      const decoded = expectSameDecoding(codec, input);
      expect(decoded.ok).toBe(true);
      if (decoded.ok) {
        const value = decoded.value as Message;
        if (!isMessage(value, codec.desc) || !equals(codec.desc, value, message)) {
          expect.fail(
            `${codec.where}: ${codec.desc.typeName}: decode(toBinary(m)) is not equal to m: ${firstDiff(message, value)}`,
          );
        }
      }
      // Damaged bytes: a truncation, a flipped byte, random bytes.
      if (bytes.length > 0) {
        expectSameDecoding(codec, bytes.subarray(0, random.int(bytes.length)));
        const flipped = bytes.slice();
        flipped[random.int(bytes.length)] = random.int(256);
        expectSameDecoding(codec, flipped);
        damaged += 2;
      }
      expectSameDecoding(codec, random.bytes(i % 10 === 0 ? 200 : 24));
      damaged++;
    }
    console.log(`codec differential: ${checked} random messages, ${damaged} damaged byte strings`);
    expect(checked).toBe(MESSAGES);
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

function firstDiff(a: unknown, b: unknown, path = ""): string {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) {
    return Object.is(a, b) ? "" : `${path}: ${inspect(a)} vs ${inspect(b)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d !== "") return d;
  }
  return "";
}
