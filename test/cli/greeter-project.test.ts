// End to end, as a newcomer would: rpcgen packed as npm would publish it, a greeter scaffolded
// into a temp folder and installed from that tarball, its own tests, typecheck, server and
// client, then two servers behind a real etcd sharing the calls.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { repoRoot, tempDirs } from "../helpers/cli.js";
import { type EtcdServer, startEtcd } from "../helpers/etcd.js";
import { Program, packRpcgen, runIn, scaffoldProject } from "../helpers/project.js";

const temp = tempDirs();
let project = "";
const run = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) => runIn(project, command, args, env);
const startServer = (env: NodeJS.ProcessEnv) => new Program(project, "src/server.ts", { PORT: "0", ...env });

beforeAll(() => {
  const work = temp.make();
  project = scaffoldProject(work, "hello-svc", "greeter", packRpcgen(work));
}, 180_000);
afterAll(() => temp.cleanup());

test("the project's own npm test passes", () => {
  const result = run("npm", ["test"]);
  expect(result.stdout).toMatch(/# pass 3\n# fail 0/);
  expect(result.status).toBe(0);
});

test("the project typechecks under strict", () => {
  const result = run("npm", ["run", "typecheck"]);
  expect(result.stdout + result.stderr).not.toContain("error TS");
  expect(result.status).toBe(0);
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
  const demo = spawnSync("bash", [join(repoRoot, "scripts/greeter-demo.sh")], { encoding: "utf8", timeout: 180_000 });
  expect(demo.stderr).toBe("");
  expect(demo.stdout).toMatch(/greeter listening on 127\.0\.0\.1:\d+ \(mode: direct, no etcd\)/);
  expect(demo.stdout).toMatch(/Hello, world! \(served by 127\.0\.0\.1:\d+\)\n$/);
  expect(demo.status).toBe(0);
}, 180_000);
