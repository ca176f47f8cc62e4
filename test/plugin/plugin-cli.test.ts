// protoc-gen-ts-rpc as protoc and buf run it: a subprocess, errors on stderr, exit codes, and
// the same files from both drivers.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, test } from "vitest";

const root = join(import.meta.dirname, "../..");
const pluginBin = join(root, "bin/protoc-gen-ts-rpc.js");
const bufBin = join(root, "node_modules/.bin/buf");
const protos = ["fixtures/echo.proto", "fixtures/nopackage.proto", "fixtures/shared/shared.proto"];

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "rpcgen-plugin-"));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function protoc(out: string, option: string, files: string[], protoPath = join(root, "proto")) {
  return spawnSync(
    "protoc",
    [
      `-I${protoPath}`,
      `--plugin=protoc-gen-ts-rpc=${pluginBin}`,
      `--ts-rpc_out=${out}`,
      `--ts-rpc_opt=${option}`,
      ...files,
    ],
    { encoding: "utf8" },
  );
}

/** Every file under dir, by relative path, with its content. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(dir, path)] = readFileSync(path, "utf8");
  }
  return files;
}

describe("errors reach protoc", () => {
  test("an unknown option fails protoc with one line naming it", () => {
    const run = protoc(tempDir(), "target=ts,foo=bar", ["helloworld/helloworld.proto"]);
    expect(run.status).not.toBe(0);
    expect(run.stderr.trim()).toBe('--ts-rpc_out: invalid option "foo=bar"');
  });

  test("a proto the plugin cannot generate fails protoc with the file and element", () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "clash.proto"),
      'syntax = "proto3";\nservice S { rpc GetFoo(M) returns (M); rpc getFoo(M) returns (M); }\nmessage M {}\n',
    );
    const run = protoc(tempDir(), "target=ts", ["clash.proto"], dir);
    expect(run.status).not.toBe(0);
    expect(run.stderr.trim()).toBe(
      "--ts-rpc_out: clash.proto: service S: rpcs GetFoo and getFoo both map to method getFoo",
    );
  });

  test("input that is not a CodeGeneratorRequest is an I/O error on stderr, exit 1", () => {
    const run = spawnSync(process.execPath, [pluginBin], { input: Buffer.from([0xff, 0xff, 0xff]), encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^protoc-gen-ts-rpc: cannot read the CodeGeneratorRequest: .+\n$/);
  });

  test("--version names the plugin and version", () => {
    const run = spawnSync(process.execPath, [pluginBin, "--version"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^protoc-gen-ts-rpc v\d+\.\d+\.\d+\n$/);
  });
});

test("protoc --ts-rpc_out and buf generate write the same files", () => {
  const option = "target=ts,import_extension=js";
  const viaProtoc = tempDir();
  const run = protoc(viaProtoc, option, protos);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);

  const viaBuf = tempDir();
  const template = join(viaBuf, "buf.gen.yaml");
  writeFileSync(
    template,
    JSON.stringify({
      version: "v2",
      plugins: [{ local: [process.execPath, pluginBin], out: join(viaBuf, "out"), opt: option.split(",") }],
    }),
  );
  const args = ["generate", join(root, "proto"), "--template", template];
  for (const p of protos) args.push("--path", join(root, "proto", p));
  const bufRun = spawnSync(bufBin, args, { encoding: "utf8" });
  expect(bufRun.stderr).toBe("");
  expect(bufRun.status).toBe(0);

  const fromProtoc = tree(viaProtoc);
  expect(Object.keys(fromProtoc).sort()).toEqual(["fixtures/echo_rpc.ts", "fixtures/nopackage_rpc.ts"]);
  expect(tree(join(viaBuf, "out"))).toEqual(fromProtoc);
  // And both match the checked-in goldens.
  for (const [path, content] of Object.entries(fromProtoc)) {
    expect(content).toBe(readFileSync(join(root, "test/golden/ts", path), "utf8"));
  }
});

test("loads TypeScript only for the targets that transpile (0.6 s of every run otherwise)", () => {
  const dir = tempDir();
  // Reports at exit whether TypeScript's compiler was loaded, however it was imported.
  const probe = join(dir, "probe.cjs");
  writeFileSync(
    probe,
    `process.on("exit", () => {
      const loaded = Object.keys(require("node:module")._cache).some((k) => /[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/.test(k));
      process.stderr.write("typescript loaded: " + loaded + "\\n");
    });\n`,
  );
  const env = { ...process.env, NODE_OPTIONS: `--require ${probe}` };
  const run = (target: string) =>
    spawnSync(
      "protoc",
      [
        `-I${join(root, "proto")}`,
        `--plugin=protoc-gen-ts-rpc=${pluginBin}`,
        `--ts-rpc_out=${target}:${dir}`,
        protos[0] as string,
      ],
      { encoding: "utf8", env },
    );
  const ts = run("target=ts");
  expect(ts.status).toBe(0);
  expect(ts.stderr).toBe("typescript loaded: false\n");
  const js = run("target=js+dts");
  expect(js.status).toBe(0);
  expect(js.stderr).toBe("typescript loaded: true\n");
  // The stand-in hands protoplugin the real compiler: the transpiled files are there.
  expect(readFileSync(join(dir, "fixtures/echo_rpc.js"), "utf8")).toContain("class EchoServiceClient");
  expect(readFileSync(join(dir, "fixtures/echo_rpc.d.ts"), "utf8")).toContain("interface EchoServiceServer");
});
