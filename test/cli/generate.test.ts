// `rpcgen generate` as a subprocess on copies of the greeter template.
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { generatedOutDirs } from "../../src/cli/generated-diff.js";
import { repoRoot, rpcgen, tempDirs } from "../helpers/cli.js";

const temp = tempDirs();
afterEach(() => temp.cleanup());

const template = join(repoRoot, "templates/greeter");
const genFiles = ["greeter/v1/greeter_pb.ts", "greeter/v1/greeter_rpc.ts"];

function copyTemplate(): string {
  const dir = join(temp.make(), "project");
  cpSync(template, dir, { recursive: true });
  return dir;
}

test("regenerates the template's checked-in code byte for byte", () => {
  const project = copyTemplate();
  rmSync(join(project, "src/gen"), { recursive: true });
  const run = rpcgen(["generate"], project);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  for (const file of genFiles) {
    expect(readFileSync(join(project, "src/gen", file), "utf8")).toBe(
      readFileSync(join(template, "src/gen", file), "utf8"),
    );
  }
});

test("a proto that does not compile gives buf's message and exit code 1", () => {
  const project = copyTemplate();
  const proto = join(project, "proto/greeter/v1/greeter.proto");
  writeFileSync(proto, readFileSync(proto, "utf8").replace("rpc SayHello(SayHelloRequest)", "rpc SayHello(Missing)"));
  const run = rpcgen(["generate"], project);
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/^proto\/greeter\/v1\/greeter.proto:8:16:cannot find `Missing` in this scope\n/);
  expect(run.stderr).toMatch(/\nrpcgen: buf generate failed \(exit code \d+\)\n$/);
  // The step failed: it says so, never "done in 0.2 s".
  expect(run.stdout).toContain("Generating code with buf generate: failed\n");
  expect(run.stdout).not.toContain("done in");
  // The checked-in code is still there: buf failed before cleaning the output.
  expect(readFileSync(join(project, "src/gen", genFiles[1]!), "utf8")).toContain("export class GreeterClient");
});

/** Every file under the project (no node_modules), with its text: what --check must not change. */
function snapshot(project: string): Array<[string, string]> {
  return readdirSync(project, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e): [string, string] => [join(e.parentPath, e.name), readFileSync(join(e.parentPath, e.name), "utf8")])
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

describe("--check", () => {
  test("finds the out: folders of buf.gen.yaml v1 and v2, quoted or commented", () => {
    const v2 =
      "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: src/gen\n  - local: x\n    out: 'src/gen/' # same\n";
    expect(generatedOutDirs(v2)).toEqual(["src/gen"]);
    const v1 =
      'version: v1\nplugins:\n  - plugin: es\n    out: "gen/es"\n    opt: target=ts\n  - name: rpc\n    out: gen/rpc\n';
    expect(generatedOutDirs(v1)).toEqual(["gen/es", "gen/rpc"]);
    expect(generatedOutDirs("version: v2\n")).toEqual([]);
  });

  test("a buf.gen.yaml without out: is refused rather than passing unchecked", () => {
    const project = copyTemplate();
    writeFileSync(join(project, "buf.gen.yaml"), "version: v2\nplugins: []\n");
    const run = rpcgen(["generate", "--check"], project);
    expect(run.stderr).toBe(`rpcgen: ${join(project, "buf.gen.yaml")} names no out: folder to check\n`);
    expect(run.status).toBe(1);
  });

  test("passes on the template as scaffolded", () => {
    const project = copyTemplate();
    const run = rpcgen(["generate", "--check"], project);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("generated code and implementation classes are up to date with the protos\n");
    expect(run.status).toBe(0);
  });

  test("fails after a proto edit, listing the files and writing nothing; passes after rpcgen generate", () => {
    const project = copyTemplate();
    const proto = join(project, "proto/greeter/v1/greeter.proto");
    writeFileSync(
      proto,
      readFileSync(proto, "utf8").replace("string name = 1;", "string name = 1;\n  string title = 2;"),
    );
    const before = snapshot(project);
    const stale = rpcgen(["generate", "--check"], project);
    expect(stale.stdout).toContain("src/gen/greeter/v1/greeter_pb.ts: differs from what the protos give now\n");
    // The _rpc file carries the messages' binary codecs (codec=generated), so it changes too.
    expect(stale.stdout).toContain("src/gen/greeter/v1/greeter_rpc.ts: differs from what the protos give now\n");
    expect(stale.stderr).toBe(
      "rpcgen: 2 generated file(s) differ from what the protos give now: run rpcgen generate\n",
    );
    expect(stale.status).toBe(1);
    expect(snapshot(project)).toEqual(before);

    expect(rpcgen(["generate"], project).status).toBe(0);
    const fresh = rpcgen(["generate", "--check"], project);
    expect(fresh.stderr).toBe("");
    expect(fresh.status).toBe(0);
  });

  test("a new rpc: both generated files are stale; a file the protos no longer give is listed too", () => {
    const project = copyTemplate();
    const proto = join(project, "proto/greeter/v1/greeter.proto");
    writeFileSync(
      proto,
      readFileSync(proto, "utf8").replace(
        "rpc SayHello(SayHelloRequest)",
        "rpc SayBye(SayHelloRequest) returns (SayHelloResponse);\n  rpc SayHello(SayHelloRequest)",
      ),
    );
    writeFileSync(join(project, "src/gen/greeter/v1/old_pb.ts"), "export {};\n");
    const run = rpcgen(["generate", "--check"], project);
    expect(run.stdout).toContain(
      [
        "src/gen/greeter/v1/greeter_pb.ts: differs from what the protos give now",
        "src/gen/greeter/v1/greeter_rpc.ts: differs from what the protos give now",
        "src/gen/greeter/v1/old_pb.ts: not generated by the protos",
      ].join("\n"),
    );
    expect(run.status).toBe(1);
  });

  test("generated code up to date but a class behind it (a stub missing): fails as rpcgen sync --check does", () => {
    const project = copyTemplate();
    const proto = join(project, "proto/greeter/v1/greeter.proto");
    writeFileSync(
      proto,
      readFileSync(proto, "utf8").replace(
        "rpc SayHello(SayHelloRequest)",
        "rpc SayBye(SayHelloRequest) returns (SayHelloResponse);\n  rpc SayHello(SayHelloRequest)",
      ),
    );
    expect(rpcgen(["generate", "--no-sync"], project).status).toBe(0);
    const run = rpcgen(["generate", "--check"], project);
    expect(run.stdout).toMatch(/sayBye +falls back to UnimplementedGreeterServer/);
    expect(run.stderr).toBe("rpcgen: out of sync with the protos: run rpcgen sync (1 to change)\n");
    expect(run.status).toBe(1);
  });
});

test("outside a project it says what is missing in one line", () => {
  const dir = temp.make();
  const run = rpcgen(["generate"], dir);
  expect(run.status).toBe(1);
  expect(run.stderr).toBe(`rpcgen: no buf.gen.yaml in ${dir}: run rpcgen generate in a project made by rpcgen new\n`);
});

test("every template's protos pass buf lint", () => {
  for (const template of readdirSync(join(repoRoot, "templates"))) {
    const lint = spawnSync(join(repoRoot, "node_modules/.bin/buf"), ["lint"], {
      cwd: join(repoRoot, "templates", template),
      encoding: "utf8",
    });
    expect(lint.stdout + lint.stderr, template).toBe("");
    expect(lint.status, template).toBe(0);
  }
});
