// The legacy_commonjs golden output, loaded with require() as a CommonJS project would, over
// real gRPC. It is copied into a temp project whose node_modules links this package, so
// rpcgen/runtime resolves through package.json "exports" to the built dist/, as for a user.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startServer } from "./helpers/server.js";

const root = resolve(import.meta.dirname, "..");
const project = mkdtempSync(join(tmpdir(), "rpcgen-cjs-"));
cpSync(join(root, "test/golden/cjs"), join(project, "gen"), { recursive: true });
writeFileSync(join(project, "package.json"), JSON.stringify({ type: "commonjs" }));
mkdirSync(join(project, "node_modules"));
symlinkSync(root, join(project, "node_modules/rpcgen"));
for (const scope of ["@grpc", "@bufbuild"])
  symlinkSync(join(root, "node_modules", scope), join(project, "node_modules", scope));
const require = createRequire(join(project, "index.js"));
const rpc = require("./gen/fixtures/echo_rpc.js");
const runtime = require("rpcgen/runtime");

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
