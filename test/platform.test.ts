// What `engines` promises is what CI runs (scripts/node-lines.sh), in every package.json rpcgen
// publishes or scaffolds, and the templates pin the versions this repo is tested with.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";

const root = join(import.meta.dirname, "..");
const json = (path: string) => JSON.parse(readFileSync(join(root, path), "utf8"));
const lines = (which: string) =>
  execFileSync("bash", [join(root, "scripts/node-lines.sh"), which], { encoding: "utf8" }).trim();
const templates = readdirSync(join(root, "templates")).map((t) => `templates/${t}/package.json`);
const manifests = [
  "package.json",
  "packages/runtime/package.json",
  "packages/create-rpcgen/package.json",
  ...templates,
];

/** `^22.12.0 || ^24.0.0 || >=26.0.0` from the lines (22 24 26) and the floor (22.12.0). */
function enginesFor(all: string[], floor: string): string {
  return all
    .map((line, i) =>
      line === floor.split(".")[0] ? `^${floor}` : i === all.length - 1 ? `>=${line}.0.0` : `^${line}.0.0`,
    )
    .join(" || ");
}

test("engines in every package.json is the supported lines, from the floor CI checks", () => {
  const expected = enginesFor(lines("all").split(" "), lines("floor"));
  expect(expected).toBe("^22.12.0 || ^24.0.0 || >=26.0.0");
  for (const manifest of manifests) expect(json(manifest).engines?.node, manifest).toBe(expected);
});

test("this test runs on a supported line", () => {
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  expect(lines("all").split(" ").map(Number)).toContain(major);
  if (major === 22) expect(minor).toBeGreaterThanOrEqual(12);
});

describe("templates pin what this repo is tested with", () => {
  const installed = (name: string) => json(`node_modules/${name}/package.json`).version as string;
  for (const manifest of templates) {
    test(manifest, () => {
      const { dependencies: deps, devDependencies: dev } = json(manifest);
      expect(deps["@bufbuild/protobuf"]).toBe(installed("@bufbuild/protobuf"));
      expect(deps["@grpc/grpc-js"]).toBe(installed("@grpc/grpc-js"));
      expect(dev["@bufbuild/protoc-gen-es"]).toBe(installed("@bufbuild/protoc-gen-es"));
      expect(dev["@bufbuild/buf"]).toBe(installed("@bufbuild/buf"));
      expect(dev["@types/node"]).toBe(installed("@types/node"));
      expect(dev.tsx).toBe(installed("tsx"));
      // Scaffolded projects get the TypeScript users install today (7); the repo checks 5.9 too.
      expect(dev.typescript).toBe(installed("typescript-7"));
    });
  }
});
