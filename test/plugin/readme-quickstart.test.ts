// The README's plugin quick start, run as printed: its protoc command and its buf.gen.yaml, in
// an empty folder that holds only the proto and the two plugins where npm would put them.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";

const root = join(import.meta.dirname, "../..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Quick start: the plugin"), readme.indexOf("### Options"));
const block = (lang: string, containing: string) => {
  const found = [...section.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))]
    .map((m) => m[1] ?? "")
    .find((b) => b.includes(containing));
  if (found === undefined) throw new Error(`README: no ${lang} block with ${containing}`);
  return found;
};

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** An empty project folder with the tutorial's proto and both plugins in node_modules/.bin. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "rpcgen-readme-"));
  temps.push(dir);
  mkdirSync(join(dir, "proto/helloworld"), { recursive: true });
  writeFileSync(join(dir, "proto/helloworld/helloworld.proto"), block("proto", "service Greeter"));
  mkdirSync(join(dir, "node_modules/.bin"), { recursive: true });
  symlinkSync(join(root, "node_modules/.bin/protoc-gen-es"), join(dir, "node_modules/.bin/protoc-gen-es"));
  symlinkSync(join(root, "bin/protoc-gen-ts-rpc.js"), join(dir, "node_modules/.bin/protoc-gen-ts-rpc"));
  return dir;
}

const written = (dir: string) => readdirSync(join(dir, "gen/helloworld")).sort();

test("the protoc command runs as printed from an empty folder", () => {
  const dir = project();
  const run = spawnSync("bash", ["-euo", "pipefail", "-c", block("sh", "protoc -I proto")], {
    cwd: dir,
    encoding: "utf8",
  });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(written(dir)).toEqual(["helloworld_pb.ts", "helloworld_rpc.ts"]);
  expect(readFileSync(join(dir, "gen/helloworld/helloworld_rpc.ts"), "utf8")).toBe(
    readFileSync(join(root, "examples/helloworld/gen/helloworld/helloworld_rpc.ts"), "utf8"),
  );
});

test("the buf.gen.yaml works with buf generate", () => {
  const dir = project();
  writeFileSync(join(dir, "buf.gen.yaml"), block("yaml", "protoc-gen-ts-rpc"));
  const run = spawnSync(join(root, "node_modules/.bin/buf"), ["generate"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, PATH: `${join(dir, "node_modules/.bin")}:${process.env.PATH}` },
  });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(written(dir)).toEqual(["helloworld_pb.ts", "helloworld_rpc.ts"]);
});
