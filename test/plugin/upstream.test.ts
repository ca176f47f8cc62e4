// The workarounds in src/plugin/upstream/ exist because of how @bufbuild/protoplugin 2.17
// behaves. Each test here either holds a workaround to protoplugin's own output, or fails when
// protoplugin stops behaving the way the workaround assumes, which is the signal to delete it.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { CodeGeneratorResponse } from "@bufbuild/protobuf/wkt";
import { describe, expect, test } from "vitest";
import { createPlugin } from "../../src/plugin/plugin.js";
import { pluginRequest } from "../helpers/compile.js";

const root = join(import.meta.dirname, "../..");
const files = (r: CodeGeneratorResponse) => r.file.map((f) => ({ name: f.name, content: f.content }));

test("protoplugin is the version the workarounds were checked against (2.17.0)", () => {
  // An upgrade must rerun this file and review src/plugin/upstream/README.md.
  const pkg = JSON.parse(readFileSync(join(root, "node_modules/@bufbuild/protoplugin/package.json"), "utf8"));
  expect(pkg.version).toBe("2.17.0");
  const ours = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  expect(ours.dependencies["@bufbuild/protoplugin"]).toBe("2.17.0");
});

describe("transpile.ts: target=js/dts without @typescript/vfs", () => {
  const protos = {
    "demo/v1/demo.proto": `syntax = "proto3";
      package demo.v1;
      import "google/protobuf/empty.proto";
      // The demo.
      service Demo {
        rpc Unary(google.protobuf.Empty) returns (Reply);
        rpc Server(Reply) returns (stream Reply);
        rpc Client(stream Reply) returns (Reply) { option deprecated = true; }
        rpc Bidi(stream Reply) returns (stream Reply);
      }
      message Reply { string text = 1; }`,
  };

  for (const parameter of [
    "target=js",
    "target=dts",
    "target=js+dts",
    "target=js+dts,js_import_style=legacy_commonjs",
  ]) {
    test(`prints the bytes protoplugin's own transpile prints: ${parameter}`, () => {
      const request = pluginRequest(protos, parameter);
      const ours = createPlugin("cached").run(request);
      expect(ours.error).toBe("");
      expect(ours.file.length).toBeGreaterThan(0);
      expect(files(ours)).toEqual(files(createPlugin("protoplugin").run(request)));
    });
  }

  test("uses protoplugin's pinned TypeScript, not the one npm hoisted", () => {
    const fromProtoplugin = createRequire(import.meta.resolve("@bufbuild/protoplugin"))("typescript") as {
      version: string;
    };
    const hoisted = createRequire(join(root, "package.json"))("typescript") as { version: string };
    // In this repo the two differ (5.4.5 nested under protoplugin, 5.9 at the top), which is
    // what makes the test above meaningful: the same bytes from two compilers.
    expect(fromProtoplugin.version).toBe("5.4.5");
    expect(hoisted.version).not.toBe(fromProtoplugin.version);
  });
});

test("typescript-hook.ts: protoplugin still loads TypeScript when it is imported", () => {
  // If this fails, protoplugin has made its TypeScript import lazy: delete the hook and the
  // stand-in (bin/protoc-gen-ts-rpc.js registers them).
  const probe = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { createRequire } from "node:module";
       await import("@bufbuild/protoplugin");
       const cache = createRequire(import.meta.url).cache;
       const loaded = Object.keys(cache).some((k) => /[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/.test(k));
       process.stdout.write(String(loaded));`,
    ],
    { cwd: root, encoding: "utf8" },
  );
  expect(probe.stderr).toBe("");
  expect(probe.stdout).toBe("true");
});
