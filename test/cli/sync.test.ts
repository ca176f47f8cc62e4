// `rpcgen sync` (and `rpcgen generate`, which runs it) on a fixture project whose hand-written
// class was moved, renamed and formatted its own way, before and after a proto change.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { linkRepoPackages, repoRoot, rpcgen, tempDirs } from "../helpers/cli.js";

const temp = tempDirs();
afterEach(() => temp.cleanup());

const fixtures = join(repoRoot, "test/fixtures/sync");
const read = (dir: string, path: string) => readFileSync(join(dir, path), "utf8");

/** The fixture project in a temp folder, its code generated from the "before" proto. */
function fixtureProject(): string {
  const dir = join(temp.make(), "project");
  cpSync(join(fixtures, "project"), dir, { recursive: true });
  const generated = rpcgen(["generate"], dir);
  expect(generated.status, generated.stderr).toBe(0);
  return dir;
}

function changeProto(dir: string): void {
  cpSync(join(fixtures, "after.proto"), join(dir, "proto/greeter/v1/greeter.proto"));
}

test("in sync: reports every rpc as implemented and changes nothing", () => {
  const dir = fixtureProject();
  const again = rpcgen(["sync"], dir);
  expect(again.status).toBe(0);
  expect(again.stdout).toBe(
    [
      "greeter.v1.Greeter: Greetings in src/services/greetings.ts",
      "  sayHello                 implemented",
      "  oldRpc                   implemented",
      "",
    ].join("\n"),
  );
  expect(read(dir, "src/services/greetings.ts")).toBe(read(join(fixtures, "project"), "src/services/greetings.ts"));
});

describe("after the proto changed", () => {
  test("generate adds stubs for new rpcs, deprecates the removed one, creates a class for the new service", () => {
    const dir = fixtureProject();
    changeProto(dir);
    const run = rpcgen(["generate"], dir);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      [
        "greeter.v1.Greeter: Greetings in src/services/greetings.ts",
        "  sayHello                 implemented",
        "  sayBye                   stub added: fill it in",
        "  stream                   stub added: fill it in",
        "  collect                  stub added: fill it in",
        "  chat                     stub added: fill it in",
        "  oldRpc                   no longer in the proto: marked @deprecated, not deleted",
        "greeter.v1.Farewell: created FarewellService in src/farewell.ts (every rpc a stub)",
      ].join("\n"),
    );
    // The user's file gains only stubs, imports and the deprecation; everything else is as written.
    expect(read(dir, "src/services/greetings.ts")).toBe(read(join(fixtures, "expected"), "src/services/greetings.ts"));
    expect(read(dir, "src/farewell.ts")).toBe(read(join(fixtures, "expected"), "src/farewell.ts"));
    expect(read(dir, "src/names.ts")).toBe(read(join(fixtures, "project"), "src/names.ts"));
    // No duplicate class for the moved and renamed Greetings.
    expect(existsSync(join(dir, "src/greeter.ts"))).toBe(false);
  });

  test("a second run changes nothing and --check passes", () => {
    const dir = fixtureProject();
    changeProto(dir);
    rpcgen(["generate"], dir);
    const after = read(dir, "src/services/greetings.ts");
    const again = rpcgen(["sync"], dir);
    expect(again.stdout).not.toContain("updated");
    expect(again.stdout).toContain("  oldRpc                   no longer in the proto (marked @deprecated earlier)");
    expect(read(dir, "src/services/greetings.ts")).toBe(after);
    expect(rpcgen(["sync", "--check"], dir).status).toBe(0);
  });

  test("--check writes nothing and exits 1", () => {
    const dir = fixtureProject();
    changeProto(dir);
    expect(rpcgen(["generate", "--no-sync"], dir).status).toBe(0);
    const check = rpcgen(["sync", "--check"], dir);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain(
      "  sayBye                   falls back to UnimplementedGreeterServer (sync adds a stub)",
    );
    expect(check.stdout).toContain("greeter.v1.Farewell: would create FarewellService in src/farewell.ts");
    expect(check.stderr).toBe("rpcgen: out of sync with the protos: run rpcgen sync (6 to change)\n");
    expect(read(dir, "src/services/greetings.ts")).toBe(read(join(fixtures, "project"), "src/services/greetings.ts"));
    expect(existsSync(join(dir, "src/farewell.ts"))).toBe(false);
  });

  test("--dry-run prints the edits as a diff and writes nothing", () => {
    const dir = fixtureProject();
    changeProto(dir);
    rpcgen(["generate", "--no-sync"], dir);
    const dry = rpcgen(["sync", "--dry-run"], dir);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain("--- src/services/greetings.ts");
    expect(dry.stdout).toContain("+    override sayBye(_request: SayHelloRequest, _context: CallContext)");
    expect(dry.stdout).toContain("-    override oldRpc(request: SayHelloRequest, _context: CallContext) {");
    expect(dry.stdout).toContain("+++ src/farewell.ts");
    expect(read(dir, "src/services/greetings.ts")).toBe(read(join(fixtures, "project"), "src/services/greetings.ts"));
    expect(existsSync(join(dir, "src/farewell.ts"))).toBe(false);
  });

  test("the result typechecks and serves over gRPC: old rpcs answer, stubs say UNIMPLEMENTED", () => {
    const dir = fixtureProject();
    changeProto(dir);
    expect(rpcgen(["generate"], dir).status).toBe(0);
    // The packages the project imports, linked from this checkout (the runtime as built).
    linkRepoPackages(dir, ["@bufbuild/protobuf", "@grpc/grpc-js", "@types/node", "@rpcgen/runtime"]);
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    const tsc = spawnSync(join(repoRoot, "node_modules/.bin/tsc"), ["-p", "tsconfig.json", "--noEmit"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(tsc.stdout).toBe("");
    expect(tsc.status).toBe(0);
    const serve = spawnSync(join(repoRoot, "node_modules/.bin/tsx"), ["serve-check.ts"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(serve.stderr).toBe("");
    expect(serve.stdout).toBe(
      [
        'sayHello: {"$typeName":"greeter.v1.SayHelloResponse","message":"Hi, Ada! (#1)"}',
        "sayBye: UNIMPLEMENTED: greeter.v1.Greeter.SayBye is not implemented yet",
        "wave: UNIMPLEMENTED: greeter.v1.Farewell.Wave is not implemented yet",
        "",
      ].join("\n"),
    );
  });
});

test("with no class for a service and its default file taken, it says so and creates nothing", () => {
  const dir = fixtureProject();
  changeProto(dir);
  writeFileSync(join(dir, "src/farewell.ts"), "// mine\n");
  const run = rpcgen(["generate"], dir);
  expect(run.status).toBe(0);
  expect(run.stdout).toContain(
    "greeter.v1.Farewell: no class extends UnimplementedFarewellServer or implements FarewellServer, and src/farewell.ts exists, so none was created: add one",
  );
  expect(read(dir, "src/farewell.ts")).toBe("// mine\n");
});

test("outside a generated project it says what to run", () => {
  const dir = temp.make();
  const run = rpcgen(["sync"], dir);
  expect(run.status).toBe(1);
  expect(run.stderr).toBe(`rpcgen: no generated *_rpc.ts files in ${dir}: run rpcgen generate first\n`);
});
