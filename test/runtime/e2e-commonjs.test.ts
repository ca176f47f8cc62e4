// The legacy_commonjs golden output in a CommonJS project: loaded with require() over real
// gRPC, and typechecked as a CommonJS TypeScript project with TypeScript 5.9 and 7. It is copied
// into a temp project whose node_modules links this repo's packages, so @rpcgen/runtime
// resolves through its package.json "exports" to its CommonJS build, as for a user.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkRepoPackages } from "../helpers/cli.js";
import { startServer } from "../helpers/server.js";

const root = resolve(import.meta.dirname, "../..");
const project = mkdtempSync(join(tmpdir(), "rpcgen-cjs-"));
cpSync(join(root, "test/golden/cjs"), join(project, "gen"), { recursive: true });
writeFileSync(join(project, "package.json"), JSON.stringify({ type: "commonjs" }));
linkRepoPackages(project, ["@grpc", "@bufbuild", "@rpcgen", "@types"]);
const require = createRequire(join(project, "index.js"));
const rpc = require("./gen/fixtures/echo_rpc.js");
const runtime = require("@rpcgen/runtime");

let server: Awaited<ReturnType<typeof startServer>>;
let client: InstanceType<typeof rpc.EchoServiceClient>;

beforeAll(async () => {
  server = await startServer((s) =>
    rpc.registerEchoServiceServer(
      s,
      new (class extends rpc.UnimplementedEchoServiceServer {
        echo(req: { text: string }) {
          return { text: `cjs:${req.text}` };
        }
        async *serverStream(req: { count: number }) {
          for (let i = 0; i < req.count; i++) yield { index: i };
        }
        async clientStream(reqs: AsyncIterable<{ text: string }>) {
          let all = "";
          for await (const r of reqs) all += r.text;
          return { text: all };
        }
        async *bidi(reqs: AsyncIterable<{ text: string }>) {
          for await (const r of reqs) yield { text: r.text };
        }
      })(),
    ),
  );
  client = new rpc.EchoServiceClient(server.address, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client.$close();
  await server.stop();
  rmSync(project, { recursive: true, force: true });
});

it("serves and calls all four kinds from CommonJS output", async () => {
  expect((await client.echo({ text: "a" })).text).toBe("cjs:a");
  const indexes: number[] = [];
  for await (const r of client.serverStream({ count: 3 })) indexes.push(r.index);
  expect(indexes).toEqual([0, 1, 2]);
  expect((await client.clientStream([{ text: "x" }, { text: "y" }])).text).toBe("xy");
  const echoed: string[] = [];
  for await (const r of client.bidi([{ text: "p" }, { text: "q" }])) echoed.push(r.text);
  expect(echoed).toEqual(["p", "q"]);
});

it("answers UNIMPLEMENTED for rpcs the CommonJS server does not override", async () => {
  const err = await client.missing({}).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(runtime.RpcError);
  expect(err.code).toBe(runtime.Code.UNIMPLEMENTED);
  expect(err.message).toBe("method Missing not implemented");
});

it("loads the CommonJS builds of the runtime and of protobuf-es, and no ES module build of either", () => {
  const loaded = Object.keys(require.cache);
  expect(loaded.some((k) => k.includes("/packages/runtime/dist/cjs/"))).toBe(true);
  expect(loaded.some((k) => k.includes("/@bufbuild/protobuf/dist/cjs/"))).toBe(true);
  expect(loaded.filter((k) => k.includes("/packages/runtime/dist/esm/") || k.includes("/protobuf/dist/esm/"))).toEqual(
    [],
  );
});

describe("a CommonJS TypeScript project typechecks against it", () => {
  const main = `import * as grpc from "@grpc/grpc-js";
import { Code, RpcError, type CallContext } from "@rpcgen/runtime";
import { EchoServiceClient, registerEchoServiceServer, UnimplementedEchoServiceServer } from "./gen/fixtures/echo_rpc.js";
import type { EchoRequest } from "./gen/fixtures/echo_pb.js";

class Echo extends UnimplementedEchoServiceServer {
  override echo(request: EchoRequest, context: CallContext) {
    if (context.signal.aborted) throw new RpcError(Code.CANCELLED, "gone");
    return { text: request.text };
  }
}
const server = new grpc.Server();
registerEchoServiceServer(server, new Echo());
const client = new EchoServiceClient("127.0.0.1:1", grpc.credentials.createInsecure());
export const reply: Promise<string> = client.echo({ text: "a" }).then((r) => r.text);
`;
  writeFileSync(join(project, "main.ts"), main);
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { module: "node16", moduleResolution: "node16", strict: true, noEmit: true, types: ["node"] },
      files: ["main.ts"],
    }),
  );
  for (const tsc of ["typescript/bin/tsc", "typescript-7/bin/tsc"]) {
    it(tsc, () => {
      const run = spawnSync(process.execPath, [join(root, "node_modules", tsc), "-p", project], { encoding: "utf8" });
      expect(run.stdout + run.stderr).toBe("");
      expect(run.status).toBe(0);
    });
  }
});
