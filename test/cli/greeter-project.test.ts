// End to end, as a newcomer would: rpcgen packed as npm would publish it, a greeter scaffolded
// into a temp folder and installed from that tarball, its own tests, typecheck, server and
// client, then two servers behind a real etcd sharing the calls.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { repoRoot, rpcgen, tempDirs } from "../helpers/cli.js";
import { type EtcdServer, startEtcd } from "../helpers/etcd.js";

const temp = tempDirs();
let project = "";

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(command, args, {
    cwd: project,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
}

beforeAll(() => {
  const work = temp.make();
  const pack = spawnSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", work], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  expect(pack.status, pack.stderr).toBe(0);
  const tarball = join(work, pack.stdout.trim().split("\n").pop()!);
  expect(rpcgen(["new", "hello-svc", "--no-install"], work).status).toBe(0);
  project = join(work, "hello-svc");
  const install = run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball]);
  expect(install.status, install.stderr).toBe(0);
}, 180_000);
afterAll(() => temp.cleanup());

/** A server of the project (`tsx src/server.ts`, as `npm start` runs it) on a free port. */
class ProjectServer {
  readonly child: ChildProcess;
  output = "";
  private readonly exited: Promise<number | null>;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(join(project, "node_modules/.bin/tsx"), ["src/server.ts"], {
      cwd: project,
      env: { ...process.env, PORT: "0", ...env },
    });
    this.child.stdout?.on("data", (c: Buffer) => (this.output += c));
    this.child.stderr?.on("data", (c: Buffer) => (this.output += c));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** Waits (at most 20 s) for a line of the server's output to match. */
  async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    for (let i = 0; i < 200; i++) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`server output never matched ${pattern}:\n${this.output}`);
  }

  async address(): Promise<string> {
    return (await this.waitFor(/listening on (127\.0\.0\.1:\d+)/))[1]!;
  }

  /** SIGTERM, as a process manager stops it; resolves with the exit code. */
  stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
    return this.exited;
  }
}

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
  const server = new ProjectServer({});
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
    const servers = [new ProjectServer(env), new ProjectServer(env)];
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
