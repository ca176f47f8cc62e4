// Plugin speed (issue 8): protoc-gen-ts-rpc answers protoplugin's name and comment lookups
// from per-request caches (src/plugin/symbol-cache.ts). These tests hold the cached path to
// the bytes protoplugin's own lookups print, on real Google Cloud protos and on edge cases,
// and check that its work grows linearly with a file's size, by counting, not by timing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import type { CodeGeneratorRequest, CodeGeneratorResponse } from "@bufbuild/protobuf/wkt";
import { createEcmaScriptPlugin } from "@bufbuild/protoplugin";
import { describe, expect, test } from "vitest";
import { createPlugin, type Lookups } from "../../src/plugin/plugin.js";
import { esNames } from "../../src/plugin/upstream/es-names.js";
import { buildRequest, googleProtos, protoRoot } from "../fixtures/plugin-speed/inputs.js";
import { outputHash } from "../fixtures/plugin-speed/output-hash.js";
import { COMPUTE, PARAMETER } from "../fixtures/plugin-speed/record-reference.js";
import { pluginRequest } from "../helpers/compile.js";

const run = (request: CodeGeneratorRequest, lookups: Lookups) => createPlugin(lookups).run(request);
const files = (r: CodeGeneratorResponse) => r.file.map((f) => ({ name: f.name, content: f.content }));

/** The first n protos of google/cloud, as the benchmark's "cloud n" sets. */
function cloudRequest(n: number, parameter: string): CodeGeneratorRequest {
  const cloud = googleProtos().filter((p) => p.startsWith("google/cloud/"));
  return buildRequest({ name: `cloud ${n}`, files: cloud.slice(0, n) }, parameter);
}

describe("the cached path prints the same bytes as protoplugin's lookups", () => {
  test("on the first 300 protos of google/cloud", { timeout: 120_000 }, () => {
    const request = cloudRequest(300, "target=ts,import_extension=js");
    const cached = run(request, "cached");
    expect(cached.error).toBe("");
    expect(cached.file.length).toBeGreaterThan(50);
    expect(files(cached)).toEqual(files(run(request, "protoplugin")));
  });

  test("on compute.proto, against the hash recorded from protoplugin's lookups", { timeout: 120_000 }, () => {
    // protoplugin's lookups need ~70 s here, so the reference is recorded once, by
    // test/fixtures/plugin-speed/record-reference.ts (first recorded before the cache existed,
    // from the plugin as it was).
    const reference = JSON.parse(
      readFileSync(join(import.meta.dirname, "../fixtures/plugin-speed/reference.json"), "utf8"),
    ) as Record<string, string>;
    expect(reference["google-proto-files"]).toBe(protoRoot().version);
    const request = buildRequest({ name: "compute.proto", files: [COMPUTE] }, PARAMETER);
    const response = run(request, "cached");
    expect(response.file.map((f) => f.name)).toEqual(["google/cloud/compute/v1/compute_rpc.ts"]);
    expect(
      outputHash(response),
      "rerun test/fixtures/plugin-speed/record-reference.ts after changing the generated code",
    ).toBe(reference[COMPUTE]);
  });

  test("on name clashes, reserved words, nesting, well-known types and comment edge cases", () => {
    const protos = {
      "clash/v1/clash.proto": `syntax = "proto3";
        package clash.v1;
        import "google/protobuf/empty.proto";
        import "other/v1/other.proto";
        // Leading.
        service Clash {
          rpc A(Foo) returns (FooSchema); // Trailing.
          rpc B(Outer.Inner) returns (Outer_Inner);
          //no space after the slashes
          //   and an end of comment */ inside
          rpc C(google.protobuf.Empty) returns (other.v1.Object);
          // Deprecated.
          rpc D(interface) returns (Foo) { option deprecated = true; }
          rpc E(other.v1.Plain) returns (google.protobuf.Empty); //
        }
        message Foo {}
        message FooSchema {}
        message Outer { message Inner {} }
        message Outer_Inner {}
        message interface {}`,
      "other/v1/other.proto": `syntax = "proto3";
        package other.v1;
        message Object {}
        message Plain { message Nested {} enum Kind { KIND_UNSPECIFIED = 0; } }
        /* Block comment. */
        service Other { rpc Get(Plain.Nested) returns (Object); }`,
      "nopkg.proto": `syntax = "proto3";
        message M {}
        service S { rpc Do(M) returns (M); }`,
    };
    for (const parameter of ["target=ts", "target=ts,import_extension=js", "target=ts,bootstrap_wkt=true"]) {
      const request = pluginRequest(protos, parameter);
      const cached = run(request, "cached");
      expect(cached.error, parameter).toBe("");
      expect(cached.file.length, parameter).toBe(3);
      expect(files(cached), parameter).toEqual(files(run(request, "protoplugin")));
    }
  });
});

describe("esNames", () => {
  test("gives up on a file whose names clash, leaving it to protoplugin", () => {
    const request = pluginRequest({
      "a.proto": `syntax = "proto3"; package a; message Foo {} message FooSchema {}`,
      "b.proto": `syntax = "proto3"; package b; message Foo {} message Object {}`,
    });
    const names = new Map<string, ReturnType<typeof esNames>>();
    createEcmaScriptPlugin({
      name: "t",
      version: "v0",
      generateTs(schema) {
        for (const file of schema.files) names.set(file.name, esNames(file));
      },
    }).run(request);
    expect(names.get("a")).toBeUndefined();
    const b = names.get("b");
    // Only the bare `Object` is reserved: the shape gets a `$`, the schema does not need one.
    expect([...(b?.shape.values() ?? [])]).toEqual(["Foo", "Object$"]);
    expect([...(b?.schema.values() ?? [])]).toEqual(["file_b", "FooSchema", "ObjectSchema"]);
  });

  test("agrees with protoplugin on every type of the first 300 protos of google/cloud", { timeout: 120_000 }, () => {
    const request = cloudRequest(300, "target=ts");
    let checked = 0;
    createEcmaScriptPlugin({
      name: "t",
      version: "v0",
      generateTs(schema) {
        const f = schema.generateFile("probe.ts");
        for (const file of schema.allFiles) {
          const names = esNames(file);
          if (names === undefined) continue;
          expect(names.schema.get(file)).toBe(f.importSchema(file).name);
          for (const desc of nestedTypes(file)) {
            expect(names.schema.get(desc), desc.typeName).toBe(f.importSchema(desc).name);
            if (desc.kind === "message" || desc.kind === "enum") {
              expect(names.shape.get(desc), desc.typeName).toBe(f.importShape(desc).name);
            }
            checked++;
          }
        }
      },
    }).run(request);
    expect(checked).toBeGreaterThan(3000);
  });
});

describe("work grows linearly with a file's size", () => {
  /** One file with n rpcs, each with its own request and response message. */
  function wideProto(n: number) {
    const lines = ['syntax = "proto3";', "package wide.v1;", "service Wide {"];
    for (let i = 0; i < n; i++) lines.push(`  // Rpc ${i}.\n  rpc Call${i}(Req${i}) returns (Res${i});`);
    lines.push("}");
    for (let i = 0; i < n; i++) lines.push(`message Req${i} { string a = 1; }`, `message Res${i} { string b = 1; }`);
    return { "wide/v1/wide.proto": lines.join("\n") };
  }

  /**
   * How often generation reads the package of the generated file. Naming a type reads it
   * (protoc-gen-es drops the package from type names), so this counts naming work:
   * protoplugin names every type of the file for each import, the cache once per file.
   */
  function packageReads(n: number, lookups: Lookups): number {
    const request = pluginRequest(wideProto(n), "target=ts");
    const proto = request.protoFile.find((f) => f.name === "wide/v1/wide.proto")!;
    let reads = 0;
    const value = proto.package;
    Object.defineProperty(proto, "package", {
      get: () => {
        reads++;
        return value;
      },
      enumerable: true,
      configurable: true,
    });
    const response = createPlugin(lookups).run(request);
    expect(response.error).toBe("");
    return reads;
  }

  test("the cached path reads a file's names a bounded number of times per type", { timeout: 60_000 }, () => {
    // 2n messages + 1 service per file.
    const perType = (n: number) => packageReads(n, "cached") / (2 * n + 1);
    const small = perType(20);
    const large = perType(2000);
    expect(large).toBeLessThanOrEqual(small);
    expect(large).toBeLessThan(10);
  });

  test("the measure catches protoplugin's quadratic lookups (control)", { timeout: 60_000 }, () => {
    const perType = (n: number) => packageReads(n, "protoplugin") / (2 * n + 1);
    // Ten times the rpcs: about ten times the work per type.
    expect(perType(200) / perType(20)).toBeGreaterThan(5);
  });
});
