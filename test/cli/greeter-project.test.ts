// End to end, as a newcomer would: rpcgen packed as npm would publish it, a greeter scaffolded
// into a temp folder and installed from that tarball, its own tests, typecheck, server and
// client, then two servers behind a real etcd sharing the calls.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { repoRoot, tempDirs } from "../helpers/cli.js";
import { type EtcdServer, startEtcd } from "../helpers/etcd.js";
import { Program, packAll, runIn, scaffoldProject } from "../helpers/project.js";
import { describeProductionChecks } from "../templates/production-checks.js";

const temp = tempDirs();
/** What the greeter's README installs to trace (pinned as the repo's tests pin them). */
const OTEL_SDK = ["@opentelemetry/api@1.10.0", "@opentelemetry/sdk-node@0.301.0"];
let project = "";
const run = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) => runIn(project, command, args, env);
const startServer = (env: NodeJS.ProcessEnv) => new Program(project, "src/server.ts", { PORT: "0", ...env });

beforeAll(() => {
  const work = temp.make();
  project = scaffoldProject(work, "hello-svc", "greeter", packAll(work));
}, 180_000);
afterAll(() => temp.cleanup());

test("the project's own npm test passes", () => {
  const result = run("npm", ["test"]);
  expect(result.stdout).toMatch(/ℹ pass 7\nℹ fail 0/);
  expect(result.status).toBe(0);
});

test("the project typechecks under strict with its TypeScript (7)", () => {
  const result = run("npm", ["run", "typecheck"]);
  expect(result.stdout + result.stderr).not.toContain("error TS");
  expect(result.status).toBe(0);
});

test("the project typechecks under strict with TypeScript 5.9 too", () => {
  const result = run(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "."]);
  expect(result.stdout + result.stderr).toBe("");
  expect(result.status).toBe(0);
});

describe("target=js+dts in a project whose TypeScript is 7 (the template's)", () => {
  const bin = (name: string) => join(project, "node_modules/.bin", name);
  const protoc = (out: string, args: string[]) =>
    run("protoc", ["-I", "proto", `--ts-rpc_out=${out}`, ...args, "greeter/v1/greeter.proto"]);

  test("the project has TypeScript 7 at the top of node_modules", () => {
    expect(run(bin("tsc"), ["--version"]).stdout).toMatch(/^Version 7\./);
  });

  test("protoc-gen-ts-rpc and protoc-gen-es write .js and .d.ts", () => {
    const out = join(temp.make(), "out");
    mkdirSync(out);
    const result = protoc(`target=js+dts:${out}`, [
      `--plugin=protoc-gen-ts-rpc=${bin("protoc-gen-ts-rpc")}`,
      `--plugin=protoc-gen-es=${bin("protoc-gen-es")}`,
      `--es_out=target=js+dts:${out}`,
    ]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(readdirSync(join(out, "greeter/v1")).sort()).toEqual([
      "greeter_pb.d.ts",
      "greeter_pb.js",
      "greeter_rpc.d.ts",
      "greeter_rpc.js",
    ]);
    expect(readFileSync(join(out, "greeter/v1/greeter_rpc.d.ts"), "utf8")).toContain("sayHello(");
  });

  test("control: protoplugin's own transpile fails there (why upstream/transpile.ts exists)", () => {
    // A plugin with protoplugin's default transpile, run from inside the project. If this
    // starts passing, @typescript/vfs no longer picks up the project's TypeScript and
    // src/plugin/upstream/transpile.ts can go.
    const plugin = join(temp.make(), "protoc-gen-plain.mjs");
    const protoplugin = createRequire(join(project, "node_modules/rpcgen/package.json")).resolve(
      "@bufbuild/protoplugin",
    );
    writeFileSync(
      plugin,
      `#!/usr/bin/env node
import { createEcmaScriptPlugin, runNodeJs } from ${JSON.stringify(pathToFileURL(protoplugin).href)};
runNodeJs(createEcmaScriptPlugin({ name: "plain", version: "v0", generateTs(schema) {
  const f = schema.generateFile("plain.ts");
  f.print("export async function hello(): Promise<string> { return 'hi'; }");
} }));
`,
      { mode: 0o755 },
    );
    const out = temp.make();
    const result = protoc(`target=js+dts:${out}`, [`--plugin=protoc-gen-ts-rpc=${plugin}`]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/TS\d{4}/);
  });
});

test("rpcgen generate inside the project reproduces the scaffolded code", () => {
  const gen = join(project, "src/gen/greeter/v1");
  const before = readdirSync(gen).map((f) => [f, readFileSync(join(gen, f), "utf8")]);
  const result = run("npm", ["run", "generate"]);
  expect(result.status, result.stderr).toBe(0);
  expect(readdirSync(gen).map((f) => [f, readFileSync(join(gen, f), "utf8")])).toEqual(before);
});

test("direct mode: the server says so, the client gets the reply, SIGTERM stops it cleanly", async () => {
  const server = startServer({});
  try {
    const address = await server.address();
    expect(server.output).toContain("(mode: direct, no etcd)");
    const client = run("npm", ["run", "--silent", "client", "--", "--name", "world"], { GREETER_ADDRS: address });
    expect(client.stderr).toBe("");
    expect(client.stdout).toContain(`Hello, world! (served by ${address})`);
    expect(client.status).toBe(0);
  } finally {
    expect(await server.stop()).toBe(0);
  }
});

test("the README's curl line and Python snippet call the server on its gRPC port, as printed (Connect)", async () => {
  const readme = readFileSync(join(project, "README.md"), "utf8");
  const curl = readme.split("\n").filter((line) => line.startsWith("curl "));
  const python = [...readme.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  expect(curl).toHaveLength(1);
  expect(python).toHaveLength(1);
  const server = startServer({});
  try {
    const address = await server.address();
    const here = (text: string) => text.replaceAll("127.0.0.1:50051", address);
    const byCurl = spawnSync("sh", ["-c", here(curl[0] as string)], { encoding: "utf8", timeout: 30_000 });
    expect(byCurl.status, byCurl.stderr).toBe(0);
    expect(JSON.parse(byCurl.stdout)).toEqual({ message: "Hello, world!" });
    const byPython = spawnSync("python3", ["-c", here(python[0] as string)], { encoding: "utf8", timeout: 30_000 });
    expect(byPython.stderr).toBe("");
    expect(byPython.stdout).toBe("Hello, world!\n");
    // The error the README describes: 400 and Connect's error JSON.
    const empty = spawnSync(
      "sh",
      ["-c", `${here(curl[0] as string).replace(`-d '{"name":"world"}'`, "-d '{}'")} -w ' %{http_code}'`],
      {
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    expect(empty.stdout).toBe('{"code":"invalid_argument","message":"name must not be empty"} 400');
    await server.waitFor(/call \/greeter\.v1\.Greeter\/SayHello 127\.0\.0\.1:\d+ INVALID_ARGUMENT/);
  } finally {
    expect(await server.stop()).toBe(0);
  }
});

describe("etcd mode", () => {
  let etcd: EtcdServer;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await etcd?.destroy();
  });

  test("two servers register, a client through etcd:/// reaches both", async () => {
    const env = { ETCD_ENDPOINTS: etcd.endpoint };
    const servers = [startServer(env), startServer(env)];
    try {
      const addresses = await Promise.all(servers.map((s) => s.address()));
      for (const s of servers) {
        await s.waitFor(/registered in etcd as \/services\/greeter\.v1\.Greeter\//);
        expect(s.output).toContain("(mode: etcd,");
      }
      const client = run("npm", ["run", "--silent", "client", "--", "--count", "10"], env);
      expect(client.stderr).toBe("");
      expect(client.status).toBe(0);
      expect(client.stdout).toContain("calling greeter.v1.Greeter at etcd:///greeter.v1.Greeter");
      const servedBy = new Set([...client.stdout.matchAll(/served by (\S+)\)/g)].map((m) => m[1]));
      expect([...servedBy].sort()).toEqual([...addresses].sort());
    } finally {
      for (const s of servers) expect(await s.stop()).toBe(0);
    }
  });
});

test("the README's main-job command scaffolds, installs, serves and calls a greeter", () => {
  // RPCGEN_PACK_NO_BUILD: the test run built the packages; rebuilding would pull dist from under other tests.
  const demo = spawnSync("bash", [join(repoRoot, "scripts/greeter-demo.sh")], {
    encoding: "utf8",
    timeout: 180_000,
    env: { ...process.env, RPCGEN_PACK_NO_BUILD: "1" },
  });
  expect(demo.stderr).toBe("");
  expect(demo.stdout).toMatch(/greeter listening on 127\.0\.0\.1:\d+ \(mode: direct, no etcd\)/);
  expect(demo.stdout).toMatch(
    /Hello, world! \(served by 127\.0\.0\.1:\d+\)\n==> curl .*\n\{"message":"Hello, world!"\}\n$/,
  );
  expect(demo.status).toBe(0);
}, 180_000);

test("OTEL_TRACES_EXPORTER=console without the SDK installed: one warning line, no tracing", async () => {
  const client = run("npm", ["run", "--silent", "client"], {
    OTEL_TRACES_EXPORTER: "console",
    GREETER_ADDRS: "127.0.0.1:1",
  });
  expect(client.stderr).toContain(
    "warning: OTEL_ variables are set but @opentelemetry/sdk-node is not installed (npm install @opentelemetry/api @opentelemetry/sdk-node); not tracing\n",
  );
  expect(client.stdout).not.toContain("traceId");
});

test("OTEL_TRACES_EXPORTER=console, SDK installed as the README says: client and server print spans of one trace", async () => {
  const install = run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    "--loglevel=error",
    ...OTEL_SDK,
  ]);
  expect(install.status, install.stderr).toBe(0);
  const otel = { OTEL_TRACES_EXPORTER: "console" };
  const server = startServer(otel);
  try {
    const address = await server.address();
    const client = run("npm", ["run", "--silent", "client", "--", "--name", "otel"], {
      ...otel,
      GREETER_ADDRS: address,
    });
    expect(client.stdout).toContain(`Hello, otel! (served by ${address})`);
    expect(client.status).toBe(0);
    // ConsoleSpanExporter prints each span as an object: its trace id, then its name.
    const span = /traceId: '([0-9a-f]{32})',[\s\S]*?name: 'greeter\.v1\.Greeter\/SayHello'/;
    const traceId = client.stdout.match(span)?.[1];
    expect(traceId, client.stdout).toBeDefined();
    expect(client.stdout).toMatch(/'rpc\.system': 'grpc'/);
    // Metrics are on too: the console exporter prints the duration histogram at shutdown.
    expect(client.stdout).toContain("rpc.client.duration");
    const serverSpan = await server.waitFor(span);
    expect(serverSpan[1]).toBe(traceId);
  } finally {
    expect(await server.stop()).toBe(0);
  }
});

test("with no OTEL_ variable set, no span is printed (the SDK installed)", async () => {
  const server = startServer({});
  try {
    const address = await server.address();
    const client = run("npm", ["run", "--silent", "client"], { GREETER_ADDRS: address });
    expect(client.status).toBe(0);
    expect(client.stdout + server.output).not.toContain("traceId");
  } finally {
    expect(await server.stop()).toBe(0);
  }
});

describeProductionChecks({ project: () => project, service: "greeter.v1.Greeter" });

// Last: it edits the project's proto.
test("npm test fails after a proto edit without regeneration (rpcgen generate --check), passes after npm run generate", () => {
  const proto = join(project, "proto/greeter/v1/greeter.proto");
  writeFileSync(
    proto,
    readFileSync(proto, "utf8").replace("string name = 1;", "string name = 1;\n  string title = 2;"),
  );
  const stale = run("npm", ["test"]);
  expect(stale.stdout).toContain("src/gen/greeter/v1/greeter_pb.ts: differs from what the protos give now\n");
  expect(stale.stderr).toContain(
    "rpcgen: 1 generated file(s) differ from what the protos give now: run rpcgen generate\n",
  );
  expect(stale.stdout).not.toMatch(/ℹ pass/); // the tests did not run on stale code
  expect(stale.status).not.toBe(0);
  expect(run("npm", ["run", "check"]).status).toBe(1);

  expect(run("npm", ["run", "generate"]).status).toBe(0);
  const fresh = run("npm", ["test"]);
  expect(fresh.stdout).toContain("generated code and implementation classes are up to date with the protos\n");
  expect(fresh.stdout).toMatch(/ℹ pass 7\nℹ fail 0/);
  expect(fresh.status).toBe(0);
}, 120_000);
