// The packages as users get them, from the tarballs of `npm run pack` (what the registry would
// serve): `npm create rpcgen` scaffolds; a production install carries the runtime and not the
// toolchain; an app on another protobuf-es minor version keeps one copy of it.
import { lstatSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { repoRoot, rpcgen, tempDirs } from "../helpers/cli.js";
import { type Packs, packAll, runIn } from "../helpers/project.js";

const temp = tempDirs();
let packs: Packs;
let work = "";

beforeAll(() => {
  work = temp.make();
  packs = packAll(work);
}, 120_000);
afterAll(() => temp.cleanup());

const install = (dir: string, args: string[] = []) =>
  runIn(dir, "npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...args]);

/** Bytes under `dir`, as `du` counts them. */
function sizeOf(dir: string): number {
  const du = runIn(dir, "du", ["-sb", "."]);
  return Number(du.stdout.split("\t")[0]);
}

test("npm create rpcgen (create-rpcgen's tarball, as npm create runs it) scaffolds a project on the tarballs", () => {
  const run = runIn(work, "npm", [
    "exec",
    "--yes",
    "--prefer-offline",
    `--package=${packs.create}`,
    "--",
    "create-rpcgen",
    "made-by-create",
    "--template",
    "greeter",
    "--no-install",
  ]);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  const pkg = JSON.parse(readFileSync(join(work, "made-by-create/package.json"), "utf8"));
  expect(pkg.dependencies["@rpcgen/runtime"]).toBe(`file:../packs/rpcgen-runtime-0.1.0.tgz`);
  expect(pkg.devDependencies.rpcgen).toBe(`file:../packs/rpcgen-0.1.0.tgz`);
});

describe("a greeter's production install", () => {
  let prod = "";
  beforeAll(() => {
    // The greeter as rpcgen scaffolds it, installed as a deployment would: without devDependencies.
    const created = runIn(work, "npm", [
      "exec",
      "--yes",
      "--prefer-offline",
      `--package=${packs.rpcgen}`,
      "--",
      "rpcgen",
      "new",
      "prod",
      "--no-install",
    ]);
    expect(created.status, created.stderr).toBe(0);
    prod = join(work, "prod");
    const done = install(prod, ["--omit=dev"]);
    expect(done.status, done.stderr).toBe(0);
  }, 120_000);

  test("is at most 15 MB", () => {
    expect(sizeOf(join(prod, "node_modules"))).toBeLessThanOrEqual(15 * 1024 * 1024);
  });

  test("has the runtime and none of the toolchain", () => {
    const tree = runIn(prod, "npm", ["ls", "--omit=dev", "--all", "--parseable", "--long"]).stdout;
    expect(tree).toContain("@rpcgen/runtime@0.1.0");
    for (const tool of ["typescript@", "ts-morph@", "@clack/", "@bufbuild/protoplugin@", "rpcgen@0.1.0", "yargs@18"]) {
      expect(tree.split("\n").filter((line) => line.includes(`:${tool}`))).toEqual([]);
    }
  });
});

test("an app on protobuf-es 2.16 has one copy of it, and its generated code typechecks and runs", () => {
  const app = join(work, "app-2.16");
  mkdirSync(join(app, "proto/greeter/v1"), { recursive: true });
  writeFileSync(
    join(app, "proto/greeter/v1/greeter.proto"),
    readFileSync(join(repoRoot, "templates/greeter/proto/greeter/v1/greeter.proto")),
  );
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({
      name: "app-2.16",
      private: true,
      type: "module",
      dependencies: {
        "@bufbuild/protobuf": "2.16.0",
        "@grpc/grpc-js": "1.14.7",
        "@rpcgen/runtime": `file:${packs.runtime}`,
      },
      devDependencies: {
        "@bufbuild/protoc-gen-es": "2.16.0",
        "@types/node": "22.20.7",
        rpcgen: `file:${packs.rpcgen}`,
        typescript: "5.9.3",
      },
    }),
  );
  const done = install(app);
  expect(done.status, done.stderr).toBe(0);

  const prodTree = runIn(app, "npm", ["ls", "@bufbuild/protobuf", "--omit=dev", "--all", "--parseable"]);
  expect(prodTree.stdout.trim().split("\n")).toEqual([join(app, "node_modules/@bufbuild/protobuf")]);

  mkdirSync(join(app, "src/gen"), { recursive: true });
  const bin = (name: string) => join(app, "node_modules/.bin", name);
  const gen = runIn(app, "protoc", [
    "-I",
    "proto",
    `--plugin=protoc-gen-es=${bin("protoc-gen-es")}`,
    "--es_out=src/gen",
    "--es_opt=target=ts,import_extension=js",
    `--plugin=protoc-gen-ts-rpc=${bin("protoc-gen-ts-rpc")}`,
    "--ts-rpc_out=src/gen",
    "--ts-rpc_opt=target=ts,import_extension=js",
    "greeter/v1/greeter.proto",
  ]);
  expect(gen.stderr).toBe("");
  expect(gen.status).toBe(0);
  expect(readFileSync(join(app, "src/gen/greeter/v1/greeter_pb.ts"), "utf8")).toContain("protoc-gen-es v2.16.0");

  writeFileSync(
    join(app, "src/main.ts"),
    `import * as grpc from "@grpc/grpc-js";
import { registerGreeterServer, GreeterClient, UnimplementedGreeterServer } from "./gen/greeter/v1/greeter_rpc.js";
import type { SayHelloRequest } from "./gen/greeter/v1/greeter_pb.js";

class Greeter extends UnimplementedGreeterServer {
  override sayHello(request: SayHelloRequest) {
    return { message: "hello " + request.name };
  }
}
const server = new grpc.Server();
registerGreeterServer(server, new Greeter());
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
);
const client = new GreeterClient("127.0.0.1:" + port, grpc.credentials.createInsecure());
console.log((await client.sayHello({ name: "2.16" })).message);
client.$close();
server.forceShutdown();
`,
  );
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        types: ["node"],
        outDir: "dist",
        rootDir: "src",
      },
      include: ["src"],
    }),
  );
  const tsc = runIn(app, bin("tsc"), ["-p", "."]);
  expect(tsc.stdout + tsc.stderr).toBe("");
  expect(tsc.status).toBe(0);
  const run = runIn(app, process.execPath, ["dist/main.js"]);
  expect(run.stderr).toBe("");
  expect(run.stdout).toBe("hello 2.16\n");
}, 120_000);

test("run from this checkout: the project installs the checkout's packages as copies, and its npm test passes", () => {
  const created = rpcgen(["new", "from-checkout", "--no-install"], work);
  expect(created.status, created.stderr).toBe(0);
  const project = join(work, "from-checkout");
  const done = install(project);
  expect(done.status, done.stderr).toBe(0);
  // Copies, not links: through a link the runtime would load this checkout's grpc-js and protobuf-es.
  expect(lstatSync(join(project, "node_modules/@rpcgen/runtime")).isSymbolicLink()).toBe(false);
  expect(lstatSync(join(project, "node_modules/rpcgen")).isSymbolicLink()).toBe(false);
  const tests = runIn(project, "npm", ["test"]);
  expect(tests.stdout).toMatch(/ℹ fail 0/);
  expect(tests.status).toBe(0);
}, 120_000);
