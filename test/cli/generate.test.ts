// `rpcgen generate` as a subprocess on copies of the greeter template.
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
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
  // The checked-in code is still there: buf failed before cleaning the output.
  expect(readFileSync(join(project, "src/gen", genFiles[1]!), "utf8")).toContain("export class GreeterClient");
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
